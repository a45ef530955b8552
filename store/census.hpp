#pragma once
// The table side of verifications (core/table_census.hpp), blocking: the daemon calls it from its
// bookkeeping thread. Counts and times are read with plain statements; mark_vanished is one
// transaction, fenced by the source's lease like the writer's batches.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/table_census.hpp"
#include "store/database.hpp"

namespace sluice::store {

class census {
public:
  explicit census(const database_options& db);  // throws sluice::error (kind database)
  ~census();
  census(const census&) = delete;
  census& operator=(const census&) = delete;

  // See table_census. `column` must be a timestamptz column of `table` (std::invalid_argument
  // otherwise: it goes into the SQL text).
  std::vector<timestamp> times(std::string_view source, const table_def& table,
                               std::string_view column, row_presence presence);
  std::int64_t count(std::string_view source, const table_def& table, row_presence presence);
  timestamp clock();

  // See table_census::mark_vanished. `lease_holder` fences the transaction (empty: none);
  // `verification_id` is recorded with the marks (0: none).
  vanish_result mark_vanished(std::string_view source, std::string_view lease_holder,
                              std::int64_t verification_id, const vanish_request& request);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sluice::store
