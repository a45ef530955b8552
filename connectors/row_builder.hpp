#pragma once
// Fills a row by column name, so a typo fails the mapper tests (table_def::index throws) instead
// of shifting columns. Shared by every connector's mapping.
#include <optional>
#include <string_view>
#include <utility>

#include "core/record.hpp"

namespace sluice::connectors {

class row_builder {
public:
  explicit row_builder(const table_def& table) : table_(table), row_(make_row(table)) {}

  template <class T>
  void set(std::string_view column, std::optional<T> value) {
    if (value) row_[table_.index(column)] = std::move(*value);
  }
  void set(std::string_view column, cell value) { row_[table_.index(column)] = std::move(value); }

  row take() { return std::move(row_); }

private:
  const table_def& table_;
  row row_;
};

}  // namespace sluice::connectors
