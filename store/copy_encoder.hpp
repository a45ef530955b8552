#pragma once
// Rows as lines of PostgreSQL's COPY text format, built by hand: the writer sends hundreds of
// thousands of cells per second, and libpqxx's per-field conversions would cost more than the
// database's own parsing. Public for the unit tests; only the batch writer uses it.
#include <string>
#include <string_view>

#include "core/record.hpp"
#include "core/time.hpp"

namespace sluice::store {

// Text with COPY's escapes (backslash, tab, newline, carriage return). NUL bytes are dropped:
// PostgreSQL text cannot hold them and would reject the whole batch.
void append_copy_text(std::string& out, std::string_view text);

// Serialized JSON: escaped like text, and `\u0000` (valid JSON that jsonb refuses) is replaced
// by U+FFFD so one odd string in `raw` cannot stop a stream.
void append_copy_json(std::string& out, std::string_view json);

// `2024-03-01 12:00:00.000000+00`: explicit UTC offset, so the session time zone never matters.
void append_copy_timestamp(std::string& out, timestamp t);

// A text[] literal, every element double-quoted (so commas, braces, quotes, spaces, empty
// strings and the word NULL survive), then COPY-escaped.
void append_copy_text_array(std::string& out, const std::vector<std::string>& items);

// One cell of a column of type `type`; std::monostate is `\N`. A value whose alternative does
// not match the column type is written in its own natural text form and PostgreSQL converts it.
void append_copy_cell(std::string& out, const cell& value, column_type type);

// A whole line for a staging table: `prefix` (already encoded, tab-terminated columns that come
// before the row, i.e. the source), the row's cells, then the content hash as bytea hex, then a
// newline. The hash covers exactly the row's encoded cells, so any change to a mapped column
// (raw and deleted_at included) changes it; the one exception are columns that keep their first
// value (first_value.hpp), of which it covers only whether they are NULL.
void append_copy_row(std::string& out, std::string_view prefix, const table_def& table,
                     const row& values);

}  // namespace sluice::store
