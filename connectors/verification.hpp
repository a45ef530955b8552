#pragma once
// What a connector's verification of one stream gets and gives back (`sluice verify`, and the
// daemon every verify_interval): the API's own count of records compared with the table, drift
// localized where the API allows it, and repaired unless it is a dry run.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "connectors/fetcher.hpp"
#include "core/run_counters.hpp"
#include "core/sink.hpp"
#include "core/source_config.hpp"
#include "core/table_census.hpp"

namespace sluice::connectors {

enum class verify_outcome {
  matched,      // the table agreed with the API's count from the start
  repaired,     // drift was found and repaired; they agree now
  drift,        // drift remains: a dry run, a safety valve that held, or a repair left some
  unsupported,  // the API reports no count for this stream (snapshot streams: every run checks)
};

std::string_view to_string(verify_outcome outcome) noexcept;

struct verify_run {
  const source_config& source;
  std::string stream;
  // The stream's committed live cursor (never moved by a verification); nullopt: never synced.
  std::optional<std::string> cursor;
  bool dry_run = false;  // count and localize only: no writes, no marks
  fetcher http;
  sink& out;  // repaired rows; batches never carry a cursor
  table_census& table;
  run_counters& counters;
};

struct verify_report {
  verify_outcome outcome = verify_outcome::unsupported;
  // At the end of the verification (after any repair): the API's count and the table's rows
  // that the same filter selects. Unset when the stream has no count.
  std::optional<std::int64_t> api_count;
  std::optional<std::int64_t> table_count;
  std::int64_t ranges_probed = 0;   // count requests compared with the table
  std::int64_t ranges_drifted = 0;  // smallest disagreeing ranges (re-read unless a dry run)
  std::int64_t rows_repaired = 0;   // rows inserted or changed by the repair
  std::int64_t rows_deleted = 0;    // rows marked deleted because the API no longer has them
  // The stream's repair is its own full walk (Cloutly reviews): the caller runs it as a run of
  // the stream (so that its cursor and snapshot bookkeeping stay the stream's own), then
  // verifies again with dry_run to report the counts at the end.
  bool full_walk_needed = false;
  std::string note{};     // one line for people: what was found or why nothing could be
  std::string details{};  // a JSON object with the facts behind the figures (verifications.details)
};

}  // namespace sluice::connectors
