#include "store/copy_encoder.hpp"

#include <charconv>
#include <cstdint>
#include <cstring>

#include "store/digest.hpp"
#include "store/first_value.hpp"

namespace sluice::store {
namespace {

// Characters that need attention inside a COPY text field.
constexpr bool special(char c) {
  return c == '\\' || c == '\t' || c == '\n' || c == '\r' || c == '\0';
}

void append_escape(std::string& out, char c) {
  switch (c) {
    case '\\': out += "\\\\"; break;
    case '\t': out += "\\t"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\0': break;
    default: out += c;
  }
}

void append_digits(std::string& out, unsigned value, int width) {
  char buffer[16];
  char* end = buffer + sizeof buffer;
  char* p = end;
  do {
    *--p = static_cast<char>('0' + value % 10);
    value /= 10;
    --width;
  } while (value != 0 || width > 0);
  out.append(p, end);
}

void append_int(std::string& out, std::int64_t value) {
  char buffer[24];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

// Howard Hinnant's days_from_civil inverse: proleptic Gregorian date of a day count.
struct civil {
  std::int64_t year;
  unsigned month, day;
};
civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

}  // namespace

void append_copy_text(std::string& out, std::string_view text) {
  const char* p = text.data();
  const char* end = p + text.size();
  const char* run = p;
  for (; p != end; ++p) {
    if (!special(*p)) continue;
    out.append(run, p);
    append_escape(out, *p);
    run = p + 1;
  }
  out.append(run, end);
}

void append_copy_json(std::string& out, std::string_view json) {
  const char* p = json.data();
  const char* end = p + json.size();
  const char* run = p;
  while (p != end) {
    if (!special(*p)) {
      ++p;
      continue;
    }
    out.append(run, p);
    if (*p == '\\' && end - p >= 2) {
      // A JSON escape is a pair: `\\` must not start a second escape.
      if (end - p >= 6 && std::memcmp(p + 1, "u0000", 5) == 0) {
        out += "\\\\ufffd";
        p += 6;
      } else {
        out += "\\\\";
        append_escape(out, p[1]);
        p += 2;
      }
    } else {
      append_escape(out, *p);
      ++p;
    }
    run = p;
  }
  out.append(run, end);
}

void append_copy_timestamp(std::string& out, timestamp t) {
  using namespace std::chrono;
  constexpr std::int64_t micros_per_day = 86'400'000'000;
  const std::int64_t us = t.time_since_epoch().count();
  std::int64_t days = us / micros_per_day;
  std::int64_t rest = us % micros_per_day;
  if (rest < 0) {
    rest += micros_per_day;
    --days;
  }
  const civil date = civil_from_days(days);
  // PostgreSQL has no year 0: astronomical year y <= 0 is (1 - y) BC.
  const bool bc = date.year <= 0;
  const std::int64_t year = bc ? 1 - date.year : date.year;
  append_digits(out, static_cast<unsigned>(year), 4);
  out += '-';
  append_digits(out, date.month, 2);
  out += '-';
  append_digits(out, date.day, 2);
  out += ' ';
  const auto seconds_of_day = static_cast<unsigned>(rest / 1'000'000);
  append_digits(out, seconds_of_day / 3600, 2);
  out += ':';
  append_digits(out, seconds_of_day / 60 % 60, 2);
  out += ':';
  append_digits(out, seconds_of_day % 60, 2);
  out += '.';
  append_digits(out, static_cast<unsigned>(rest % 1'000'000), 6);
  out += "+00";
  if (bc) out += " BC";
}

void append_copy_text_array(std::string& out, const std::vector<std::string>& items) {
  out += '{';
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += ',';
    first = false;
    out += '"';
    for (char c : item) {
      // Array-literal escaping first (backslash and quote), then COPY's on top: a backslash in
      // an element therefore reaches the wire as four.
      if (c == '"') {
        out += "\\\\\"";
      } else if (c == '\\') {
        out += "\\\\\\\\";
      } else {
        append_escape(out, c);
      }
    }
    out += '"';
  }
  out += '}';
}

void append_copy_cell(std::string& out, const cell& value, column_type type) {
  switch (value.index()) {
    case 0: out += "\\N"; return;
    case 1: {
      const auto& s = std::get<std::string>(value);
      if (type == column_type::jsonb)
        append_copy_json(out, s);
      else
        append_copy_text(out, s);
      return;
    }
    case 2: out += std::get<bool>(value) ? 't' : 'f'; return;
    case 3: append_int(out, std::get<std::int64_t>(value)); return;
    case 4: append_copy_timestamp(out, std::get<timestamp>(value)); return;
    case 5: append_copy_text_array(out, std::get<std::vector<std::string>>(value)); return;
  }
}

namespace {

// The row's content as the hash sees it: the encoded cells, except that a non-NULL cell of a
// column that keeps its first value (first_value.hpp) counts only as "set".
content_hash row_hash(std::string_view encoded, const table_def& table, const row& values) {
  if (!has_first_value_columns(table)) return hash_content(encoded);
  std::string hashed;
  hashed.reserve(encoded.size());
  std::size_t cell_start = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::size_t cell_end = encoded.find('\t', cell_start);  // COPY escapes tabs inside cells
    if (cell_end == std::string_view::npos) cell_end = encoded.size();
    if (i != 0) hashed += '\t';
    if (keeps_first_value(table, table.columns[i].name) &&
        !std::holds_alternative<std::monostate>(values[i]))
      hashed += "set";  // never the encoding of a value of such a column (\\N or a timestamp)
    else
      hashed.append(encoded, cell_start, cell_end - cell_start);
    cell_start = cell_end + 1;
  }
  return hash_content(hashed);
}

}  // namespace

void append_copy_row(std::string& out, std::string_view prefix, const table_def& table,
                     const row& values) {
  static constexpr char hex[] = "0123456789abcdef";
  out += prefix;
  const std::size_t start = out.size();
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i != 0) out += '\t';
    append_copy_cell(out, values[i], table.columns[i].type);
  }
  const content_hash hash =
      row_hash(std::string_view(out.data() + start, out.size() - start), table, values);
  out += "\t\\\\x";
  for (unsigned char b : hash) {
    out += hex[b >> 4];
    out += hex[b & 0xf];
  }
  out += '\n';
}

}  // namespace sluice::store
