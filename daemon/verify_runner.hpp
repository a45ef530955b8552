#pragma once
// One verification of one stream, the same for `sluice verify` and the daemon: record it in the
// verifications table, let the connector count, localize and repair (connector::verify) through a
// sink of its own and the table census, run the stream's full walk when that is its repair, and
// record the outcome. Failures are classified, logged once here and recorded; they never escape.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "connectors/connector.hpp"
#include "core/error.hpp"
#include "daemon/source_runtime.hpp"
#include "daemon/stream_runner.hpp"
#include "store/census.hpp"
#include "store/verifications.hpp"

namespace sluice::daemon {

struct verify_context {
  run_context& run;  // bookkeeping thread, cursors, writer, lease holder
  store::verification_store& journal;
  store::census& census;
};

struct verify_request {
  source_runtime& source;
  connectors::stream_spec spec;
  bool dry_run = false;
  // The daemon: requests take the source's budget at low priority (live pulls go first).
  bool low_priority = false;
  // Runs the stream's full walk as a run of the stream and returns whether it succeeded (the
  // repair of streams whose verify_report says full_walk_needed). Unset: such drift remains.
  std::function<boost::asio::awaitable<bool>()> full_walk{};
};

struct verify_result {
  std::string outcome;  // matched | repaired | drift | unsupported | failed
  connectors::verify_report report;
  run_counters counters;
  std::optional<error_kind> error;
  std::string message;  // the failure, when failed
  double seconds = 0;

  // Exit status of `sluice verify`: the stream matches the API now (or has nothing to compare).
  bool ok() const {
    return outcome == "matched" || outcome == "repaired" || outcome == "unsupported";
  }
  // |api - table| at the end, for the drift gauge; nullopt without both counts.
  std::optional<std::int64_t> drift() const;
};

// Never throws. Pass a named request (std::move it): GCC 12 destroys a braced temporary passed by
// value to a coroutine twice.
boost::asio::awaitable<verify_result> verify_stream(verify_context& ctx, verify_request request);

}  // namespace sluice::daemon
