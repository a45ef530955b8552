#pragma once
// `sluice sync`'s side of a run handed to a daemon (store/run_requests.hpp): a source that a
// running daemon holds is not failed as "held by"; the daemon gets a request, runs it within a
// second, and this command waits and reports the outcome as if it had run the streams itself.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "daemon/config.hpp"
#include "daemon/lease_keeper.hpp"

namespace sluice::daemon {

struct handed_run {
  std::string source;
  std::string holder;  // the daemon holding the source when the request was made
  std::int64_t id = 0;
};

// What the daemons reported, counted like local streams.
struct handed_outcome {
  std::size_t streams = 0;
  std::size_t failed = 0;
  std::size_t interrupted = 0;  // not finished: cancelled, or stopped waiting
  int exit_code = 0;            // set when the wait itself failed (database): 69
};

class sync_handoff {
public:
  explicit sync_handoff(const config& cfg) : cfg_(cfg) {}

  // Sources `round` shows held by someone else, each with the streams to run (empty: all the
  // daemon has): those a running daemon holds get a request, full or not; the others are left in
  // `refused`. Returns false (logged) when the database could not take the requests.
  using selection = std::map<std::string, std::vector<std::string>>;
  bool hand_over(const lease_round& round, const selection& sources, bool full);
  const std::vector<handed_run>& handed() const noexcept { return handed_; }
  const std::vector<std::string>& refused() const noexcept { return refused_; }

  // Waits until every request is done and logs each stream's outcome under its run's tag. On
  // SIGINT/SIGTERM it stops waiting: a request no daemon claimed yet is cancelled, a running one
  // finishes in its daemon.
  handed_outcome wait();
  // Does not wait (this command was stopped): cancels what no daemon claimed yet.
  handed_outcome abandon();

private:
  const config& cfg_;
  std::vector<handed_run> handed_;
  std::vector<std::string> refused_;
};

}  // namespace sluice::daemon
