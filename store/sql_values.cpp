#include "store/sql_values.hpp"

#include <cstdint>
#include <utility>

#include <fmt/format.h>
#include <pqxx/array>

namespace sluice::store {

void append_array_element(std::string& literal, std::string_view item) {
  literal += literal.size() > 1 ? ",\"" : "\"";
  for (char c : item) {
    if (c == '"' || c == '\\') literal += '\\';
    literal += c;
  }
  literal += '"';
}

std::string text_array_literal(const std::vector<std::string>& items) {
  std::string literal = "{";
  for (const auto& item : items) append_array_element(literal, item);
  literal += '}';
  return literal;
}

std::vector<std::string> read_text_array(const pqxx::field& f) {
  std::vector<std::string> out;
  if (f.is_null()) return out;
  auto parser = f.as_array();
  for (;;) {
    auto [kind, value] = parser.get_next();
    if (kind == pqxx::array_parser::done) break;
    if (kind == pqxx::array_parser::string_value) out.push_back(std::move(value));
  }
  return out;
}

std::string micros(std::string_view column) {
  return fmt::format("(extract(epoch FROM {}) * 1000000)::bigint", column);
}

std::optional<timestamp> read_time(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return timestamp(duration(f.as<std::int64_t>()));
}

std::optional<std::string> time_param(std::optional<timestamp> t) {
  if (!t) return std::nullopt;
  return format_timestamp(*t);
}

std::string read_text(const pqxx::field& f) {
  return f.is_null() ? std::string() : f.as<std::string>();
}

}  // namespace sluice::store
