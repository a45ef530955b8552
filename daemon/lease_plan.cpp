#include "daemon/lease_plan.hpp"

#include <algorithm>
#include <functional>
#include <map>

namespace sluice::daemon {
namespace {

// A stable per-(instance, source) order: FNV-1a, not std::hash, so every build agrees.
std::uint64_t preference(const std::string& me, const std::string& source) {
  std::uint64_t h = 1469598103934665603ull;
  for (char c : me + '\0' + source) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

// long function: one plan read top to bottom (counts, free sources, then the handover), its
// two halves sharing the counts.
lease_plan plan_leases(const lease_view& view) {
  lease_plan plan;
  const std::size_t instances = std::max<std::size_t>(1, view.instances.size());
  plan.target = (view.wanted.size() + instances - 1) / instances;

  std::map<std::string, std::string> live_holder;  // source -> holder
  std::map<std::string, std::size_t> held_by;      // holder -> live leases on any source
  for (const auto& l : view.leases) {
    if (!l.live) continue;
    live_holder[l.source] = l.holder;
    ++held_by[l.holder];
  }

  std::vector<std::string> mine;
  for (const auto& [source, holder] : live_holder)
    if (holder == view.me) mine.push_back(source);

  // Leases on sources we no longer have configured go back as soon as they are idle.
  for (const auto& source : mine)
    if (!contains(view.wanted, source) && !view.busy.count(source)) plan.release.push_back(source);
  std::size_t held = std::count_if(mine.begin(), mine.end(),
                                   [&](const std::string& s) { return contains(view.wanted, s); });

  // Another live instance that has `source` configured and room below the target.
  auto other_with_room = [&](const std::string& source) {
    return std::any_of(view.instances.begin(), view.instances.end(),
                       [&](const store::instance_row& i) {
                         if (i.self || i.holder == view.me) return false;
                         auto it = held_by.find(i.holder);
                         std::size_t count = it == held_by.end() ? 0 : it->second;
                         return count < plan.target && contains(i.sources, source);
                       });
  };

  std::vector<std::string> free;
  for (const auto& source : view.wanted)
    if (!live_holder.count(source)) free.push_back(source);
  std::sort(free.begin(), free.end(), [&](const std::string& a, const std::string& b) {
    return preference(view.me, a) < preference(view.me, b);
  });
  for (const auto& source : free) {
    if (held < plan.target || !other_with_room(source)) {
      plan.acquire.push_back(source);
      ++held;
    }
  }

  // Over the target while someone else has room: hand over sources they can take, idle ones
  // first; a busy one is drained for a later round.
  if (held > plan.target) {
    std::vector<std::string> candidates;
    for (const auto& source : mine)
      if (contains(view.wanted, source) && other_with_room(source)) candidates.push_back(source);
    std::sort(candidates.begin(), candidates.end(),
              [&](const std::string& a, const std::string& b) {
                const bool a_busy = view.busy.count(a) > 0, b_busy = view.busy.count(b) > 0;
                if (a_busy != b_busy) return b_busy;
                return preference(view.me, a) > preference(view.me, b);
              });
    for (const auto& source : candidates) {
      if (held <= plan.target) break;
      (view.busy.count(source) ? plan.drain : plan.release).push_back(source);
      --held;
    }
  }
  return plan;
}

}  // namespace sluice::daemon
