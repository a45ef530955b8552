#include "store/first_value.hpp"

namespace sluice::store {
namespace {

struct kept_column {
  std::string_view table;
  std::string_view column;
};

// The table's description (core/tables.cpp) says what a column holds; this says how the store
// writes it, which only the store needs to know.
constexpr kept_column kept_columns[] = {
    {"cloudapp_items", "trashed_at"},  // first time seen in the trash, when the API gives none
};

}  // namespace

bool keeps_first_value(const table_def& table, std::string_view column) noexcept {
  for (const auto& kept : kept_columns)
    if (kept.table == table.name && kept.column == column) return true;
  return false;
}

bool has_first_value_columns(const table_def& table) noexcept {
  for (const auto& kept : kept_columns)
    if (kept.table == table.name) return true;
  return false;
}

std::string first_value_assignment(const std::string& name) {
  return name + " = CASE WHEN EXCLUDED." + name + " IS NULL THEN NULL ELSE coalesce(t." + name +
         ", EXCLUDED." + name + ") END";
}

}  // namespace sluice::store
