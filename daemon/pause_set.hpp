#pragma once
// The paused streams as the daemon last read them (table stream_pauses, via store/control), asked
// by the scheduler (start no run), the alerting (not stale) and the metrics. A pause of stream
// "*" covers every stream of its source. Used on the I/O thread only.
#include <optional>
#include <string>
#include <vector>

#include "store/control.hpp"

namespace sluice::daemon {

class pause_set {
public:
  pause_set() = default;
  explicit pause_set(std::vector<store::stream_pause> pauses) : pauses_(std::move(pauses)) {}

  // The pause that applies to the stream (its own first, else its source's), if any.
  const store::stream_pause* find(const std::string& source, const std::string& stream) const {
    const store::stream_pause* whole = nullptr;
    for (const auto& p : pauses_) {
      if (p.source != source) continue;
      if (p.stream == stream) return &p;
      if (p.stream == store::all_streams) whole = &p;
    }
    return whole;
  }
  bool paused(const std::string& source, const std::string& stream) const {
    return find(source, stream) != nullptr;
  }
  const std::vector<store::stream_pause>& all() const { return pauses_; }

private:
  std::vector<store::stream_pause> pauses_;
};

}  // namespace sluice::daemon
