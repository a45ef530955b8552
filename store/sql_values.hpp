#pragma once
// Values that libpqxx 6.4 does not convert the way the store needs them: text[] (it has no array
// parameters) and timestamps (exact to the microsecond, whatever the session's DateStyle).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/result>  // pqxx::field (6.4's <pqxx/field> does not compile on its own)

#include "core/time.hpp"

namespace sluice::store {

// Appends one element to an array literal being built in `literal` (which starts as "{" and gets
// its closing "}" from the caller). Every element is double-quoted, so commas, braces, spaces,
// empty strings and the word NULL arrive as themselves.
void append_array_element(std::string& literal, std::string_view item);

// `{"a","b"}` for a `$n::text[]` parameter.
std::string text_array_literal(const std::vector<std::string>& items);

// A one-dimensional text[] result; NULL elements (and a NULL array) are left out.
std::vector<std::string> read_text_array(const pqxx::field& f);

// SQL that selects timestamptz `column` as integer microseconds since the epoch.
std::string micros(std::string_view column);

// A column selected with micros(); NULL is nullopt.
std::optional<timestamp> read_time(const pqxx::field& f);

// A `$n::timestamptz` parameter (ISO 8601, UTC, six fractional digits); nullopt is NULL.
std::optional<std::string> time_param(std::optional<timestamp> t);

// Text or "" for NULL.
std::string read_text(const pqxx::field& f);

}  // namespace sluice::store
