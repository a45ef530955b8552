#pragma once
// Runs handed from `sluice sync` to the daemon that holds the source (tables run_requests and
// run_request_streams). The command submits a request (committed with a NOTIFY on the control
// channel, change "request"), the holder claims it, runs it and finishes it with each stream's
// outcome; the command polls the request until it is done.
//
// Ownership of a running request follows the source's lease, not the claim: a holder claims the
// open requests of the sources it holds, including ones running under another holder (which lost
// the source or died: its claim is void, and fencing refuses its commits anyway). A holder changes
// only requests it claimed itself (finish and release check claimed_by), so a late answer from a
// holder that lost the source cannot overwrite the next holder's work.
//
// One connection; blocking (call it from a thread that may block).
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"
#include "store/database.hpp"

namespace sluice::store {

inline constexpr std::string_view control_change_request = "request";

struct run_request {
  std::int64_t id = 0;
  std::string source;
  std::vector<std::string> streams;  // empty: every stream the holder has configured
  bool full = false;
  std::string requested_by;
  std::string state;         // pending | running | done | cancelled
  std::string claimed_by;    // "" while pending
  std::string claimed_from;  // claim(): the holder whose claim this one replaced, if any
  std::optional<int> exit_code;
  timestamp requested_at{};
};

struct request_stream_outcome {
  std::string stream;
  std::int64_t run_id = 0;  // 0: no sync_runs row (the stream never started)
  std::string status;       // succeeded | suspicious | failed
  std::string report;       // the run's last line
};

class run_requests {
public:
  explicit run_requests(const database_options& db);  // throws sluice::error(kind database)
  ~run_requests();
  run_requests(const run_requests&) = delete;
  run_requests& operator=(const run_requests&) = delete;

  // --- the command's side

  // Which of `holders` are running daemons (a live row in instances): only those take requests.
  std::set<std::string> daemons_among(const std::vector<std::string>& holders);
  // Inserts a pending request and notifies the daemons; returns its id.
  std::int64_t submit(std::string_view source, const std::vector<std::string>& streams, bool full,
                      std::string_view requested_by);
  // The requests by id (missing ids are left out).
  std::vector<run_request> read(const std::vector<std::int64_t>& ids);
  std::vector<request_stream_outcome> outcomes(std::int64_t id);
  // Cancels the request if no daemon claimed it yet; false when it is already claimed or over.
  bool cancel(std::int64_t id);
  // For `status`: the open requests of these sources and the latest `done` ones, newest first.
  std::vector<run_request> recent(const std::vector<std::string>& sources, std::size_t done);

  // --- the holder's side

  // Claims the open requests of `sources` (the ones this holder holds): pending ones, ones running
  // under another holder, and ones of ours not in `in_flight` (a claim whose answer was lost).
  std::vector<run_request> claim(std::string_view holder, const std::vector<std::string>& sources,
                                 const std::vector<std::int64_t>& in_flight);
  // Records the outcome (done) if the request is still claimed by `holder`; false otherwise.
  bool finish(std::int64_t id, std::string_view holder, int exit_code,
              const std::vector<request_stream_outcome>& streams);
  // Hands a claimed request back (pending) for the next holder of its source; false when it is no
  // longer ours.
  bool release(std::int64_t id, std::string_view holder);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sluice::store
