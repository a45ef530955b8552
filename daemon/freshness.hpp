#pragma once
// Freshness objectives: whether the newest successful run of each stream is younger than the
// stream's max_staleness. The daemon judges only the streams of sources it holds (another
// instance pulls the others and judges them); a stream that never succeeded is as old as the
// time it has been watched. The same rule, on the run history, gives `sluice status` and the
// stream_latest_runs view their ok / stale.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/time.hpp"

namespace sluice::daemon {

class freshness {
public:
  using clock = std::chrono::system_clock;

  struct verdict {
    std::string source, stream;
    bool stale = false;
    duration age{};        // since the newest success (or since watched, if none)
    duration objective{};  // max_staleness
    bool ever_succeeded = false;
    bool paused = false;  // never stale while paused
  };

  // Starts (or keeps) watching a stream with this objective; `last_success` comes from the run
  // history when the source is taken.
  void watch(const std::string& source, const std::string& stream, duration objective,
             std::optional<clock::time_point> last_success, clock::time_point now);
  void forget_source(const std::string& source);
  // An operator paused or resumed the stream. A paused stream is never stale; once resumed, its
  // age counts from the resumption at the earliest, so a long pause does not make it stale the
  // moment it ends (it gets its objective's time to catch up).
  void set_paused(const std::string& source, const std::string& stream, bool paused,
                  clock::time_point now);
  // A successful run ended at `at` (kept if newer than the one known). Ignored for streams not
  // watched.
  void on_success(const std::string& source, const std::string& stream, clock::time_point at);

  std::vector<verdict> judge(clock::time_point now) const;

private:
  struct watched {
    duration objective{};
    std::optional<clock::time_point> last_success;
    clock::time_point since{};
    bool paused = false;
    std::optional<clock::time_point> resumed;
  };
  std::map<std::pair<std::string, std::string>, watched> streams_;
};

}  // namespace sluice::daemon
