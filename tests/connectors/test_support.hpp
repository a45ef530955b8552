#pragma once
// Helpers for the connector tests: fixtures from tests/fixtures/partoo/ and typed cell access.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>

#include "core/record.hpp"
#include "core/time.hpp"

namespace sluice::test {

inline std::string read_fixture(std::string_view name) {
  std::string path = std::string(SLUICE_FIXTURES_DIR) + "/partoo/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open fixture " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline timestamp at(std::string_view iso) {
  auto t = parse_timestamp(iso);
  if (!t) throw std::invalid_argument("bad test timestamp " + std::string(iso));
  return *t;
}

inline const cell& column_of(const row& r, const table_def& table, std::string_view column) {
  return r.at(table.index(column));
}

inline bool is_null(const row& r, const table_def& table, std::string_view column) {
  return std::holds_alternative<std::monostate>(column_of(r, table, column));
}

// The cell as T; a GoogleTest failure (and an exception) when it holds another alternative.
template <class T>
const T& value_of(const row& r, const table_def& table, std::string_view column) {
  const auto& c = column_of(r, table, column);
  if (!std::holds_alternative<T>(c)) {
    ADD_FAILURE() << "column " << column << " holds alternative " << c.index();
    throw std::logic_error("wrong cell type in column " + std::string(column));
  }
  return std::get<T>(c);
}

}  // namespace sluice::test
