#pragma once
// A description of one data table, as connectors fill it. The store adds the columns every table
// has besides these (`source`, `content_hash`, `first_synced_at`, `synced_at`); connectors supply
// `external_id` (always first), the typed columns, `raw` and `deleted_at` (always the last two).
#include <cstddef>
#include <string_view>
#include <vector>

namespace sluice {

enum class column_type { text, text_array, numeric, boolean, bigint, timestamptz, jsonb };

struct column {
  std::string_view name;
  column_type type;
};

struct table_def {
  std::string_view name;
  std::vector<column> columns;  // external_id first; raw, deleted_at last

  // Position of a column; throws std::out_of_range for a name the table does not have
  // (a programming error, caught by the mapper tests).
  std::size_t index(std::string_view column_name) const;
};

}  // namespace sluice
