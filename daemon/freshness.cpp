#include "daemon/freshness.hpp"

#include <algorithm>

namespace sluice::daemon {

void freshness::watch(const std::string& source, const std::string& stream, duration objective,
                      std::optional<clock::time_point> last_success, clock::time_point now) {
  auto [it, added] = streams_.try_emplace({source, stream});
  auto& w = it->second;
  w.objective = objective;
  if (added) w.since = now;
  if (last_success && (!w.last_success || *last_success > *w.last_success))
    w.last_success = last_success;
}

void freshness::forget_source(const std::string& source) {
  std::erase_if(streams_, [&](const auto& kv) { return kv.first.first == source; });
}

void freshness::set_paused(const std::string& source, const std::string& stream, bool paused,
                           clock::time_point now) {
  auto it = streams_.find({source, stream});
  if (it == streams_.end() || it->second.paused == paused) return;
  it->second.paused = paused;
  if (!paused) it->second.resumed = now;
}

void freshness::on_success(const std::string& source, const std::string& stream,
                           clock::time_point at) {
  auto it = streams_.find({source, stream});
  if (it == streams_.end()) return;
  auto& last = it->second.last_success;
  if (!last || at > *last) last = at;  // the history read may arrive after a newer run
}

std::vector<freshness::verdict> freshness::judge(clock::time_point now) const {
  std::vector<verdict> out;
  out.reserve(streams_.size());
  for (const auto& [key, w] : streams_) {
    auto from = w.last_success.value_or(w.since);
    if (w.resumed) from = std::max(from, *w.resumed);
    const auto age = std::chrono::duration_cast<duration>(std::max(now - from, clock::duration{}));
    out.push_back({key.first, key.second, !w.paused && age > w.objective, age, w.objective,
                   w.last_success.has_value(), w.paused});
  }
  return out;
}

}  // namespace sluice::daemon
