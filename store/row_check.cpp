#include "store/row_check.hpp"

#include <string>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/utf8_text.hpp"

namespace sluice::store {
namespace {

// Long enough to recognize a record by, short enough for one log line.
constexpr std::size_t quoted_id_bytes = 40;

bool is_id_column(std::string_view name) {
  constexpr std::string_view suffix = "_external_id";
  return name == "external_id" ||
         (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix);
}

// What is wrong with an identifier, or empty when it can be stored.
std::string id_problem(std::string_view id, bool is_key) {
  if (id.empty()) return is_key ? "is empty" : "";
  if (id.find('\0') != std::string_view::npos) return "contains a NUL character";
  if (id.size() > max_id_bytes)
    return fmt::format("is {} bytes long (at most {} are stored)", id.size(), max_id_bytes);
  if (!is_utf8_safe(id)) return "is not valid UTF-8";
  return {};
}

}  // namespace

void check_storable(std::string_view source, std::string_view stream, const table_def& table,
                    const row& r) {
  const auto* key = std::get_if<std::string>(&r[0]);
  for (std::size_t i = 0; i < table.columns.size(); ++i) {
    const auto& col = table.columns[i];
    if (col.type != column_type::text || !is_id_column(col.name)) continue;
    const auto* value = std::get_if<std::string>(&r[i]);
    if (value == nullptr) continue;
    auto problem = id_problem(*value, i == 0);
    if (problem.empty()) continue;
    const std::string quoted = key == nullptr ? "?" : utf8_safe(*key, quoted_id_bytes);
    throw error(error_kind::data,
                fmt::format("source '{}', stream '{}': record '{}', field {}: the value {}; the "
                            "record cannot be stored",
                            source, stream, quoted, col.name, problem));
  }
}

}  // namespace sluice::store
