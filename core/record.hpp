#pragma once
// Normalized rows as connectors produce them and the store writes them.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/table.hpp"
#include "core/time.hpp"

namespace sluice {

// One value. std::monostate is SQL NULL. Column types map to alternatives:
//   text -> std::string; numeric -> std::string holding a decimal literal ("4.5");
//   jsonb -> std::string holding serialized JSON; boolean -> bool; bigint -> std::int64_t;
//   timestamptz -> timestamp; text_array -> std::vector<std::string>.
using cell = std::variant<std::monostate, std::string, bool, std::int64_t, timestamp,
                          std::vector<std::string>>;

// Longest identifier (`external_id`, `*_external_id`) stored. A btree index entry must stay under
// about 2.7 kB; no vendor's ids come near 1,000 bytes, so anything longer is garbage, not an id.
inline constexpr std::size_t max_id_bytes = 1000;

using row = std::vector<cell>;  // one cell per table_def column, in order

inline row make_row(const table_def& table) { return row(table.columns.size()); }

// Rows for one table plus the cursor they advance. The store commits the rows and
// `cursor_after` (when set) in one transaction, so a committed cursor never runs ahead of its rows.
struct record_batch {
  const table_def* table = nullptr;
  std::vector<row> rows;
  std::optional<std::string> cursor_after;  // JSON text stored in sync_state.cursor
};

}  // namespace sluice
