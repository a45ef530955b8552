#pragma once
// Columns whose first non-NULL value a row keeps for good.
//
// CloudApp's trash listing may omit `deleted_at`; sluice then records as `trashed_at` the time it
// first saw the item in the trash. Each run's connector only knows "now", so the value it sends
// changes every run. Two rules keep such a row stable instead of rewriting it on every run:
//   - the row's content hash covers only whether the column is NULL, not its value, so an item
//     still in the trash hashes the same on every run and the writer skips it as unchanged;
//   - when a changed row is merged, a non-NULL value already stored wins over the incoming one
//     (coalesce), and an incoming NULL clears it (the item left the trash; a later trashing is a
//     new first sighting).
// The store applies these rules; the connector only sends its best value.
//
// Limitation: an item restored and trashed again between two runs keeps its first trash time,
// since no run saw the column NULL in between.
#include <string>
#include <string_view>

#include "core/table.hpp"

namespace sluice::store {

// Whether `column` of `table` keeps its first non-NULL value.
bool keeps_first_value(const table_def& table, std::string_view column) noexcept;

// Whether any column of `table` does (most tables: none, and the encoder skips the extra work).
bool has_first_value_columns(const table_def& table) noexcept;

// The merge's SET expression for such a column `name` (quoted), target row aliased `t`.
std::string first_value_assignment(const std::string& name);

}  // namespace sluice::store
