#include "daemon/source_slot.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "daemon/config_diff.hpp"

namespace sluice::daemon {

source_slot::steady::time_point source_slot::note_pause() {
  if (rt) not_before = std::max(not_before, rt->budget->paused_until());
  return not_before;
}

bool source_slot::idle() const {
  return !backfill_running && !verify_running &&
         std::none_of(streams.begin(), streams.end(),
                      [](const stream_slot& s) { return s.running; });
}

source_slots::source_slots(boost::asio::any_io_executor executor, daemon_metrics& metrics)
    : executor_(std::move(executor)), metrics_(metrics) {}

void source_slots::build_runtime(source_slot& slot) {
  const std::string name = slot.config->name;
  slot.rt = std::make_unique<source_runtime>(make_source_runtime(
      executor_, *slot.config,
      [this, name](const net::request_event& e) { metrics_.on_request(name, e); }));
  std::vector<stream_slot> streams;
  for (auto& spec : slot.rt->selected_streams({})) {
    stream_slot s{spec};
    // Keep the schedule of streams that survive a reload; new ones start soon.
    for (const auto& old : slot.streams)
      if (old.spec.name == spec.name) {
        s.next_due = old.next_due;
        s.failures = old.failures;
        // A handed-over request waits for this stream's next run (daemon/request_runner.hpp).
        s.requested = old.requested;
        s.requested_full = old.requested_full;
        s.starts = old.starts;
      }
    streams.push_back(std::move(s));
  }
  slot.streams = std::move(streams);
  slot.stale_runtime = false;
}

void source_slots::add(const source_config& src) {
  auto slot = std::make_shared<source_slot>();
  slot->config = std::make_shared<const source_config>(src);
  build_runtime(*slot);
  slots_[src.name] = std::move(slot);
}

std::vector<std::string> source_slots::names() const {
  std::vector<std::string> names;
  for (const auto& [name, slot] : slots_)
    if (!slot->removing) names.push_back(name);
  return names;
}

std::set<std::string> source_slots::busy() const {
  std::set<std::string> busy;
  for (const auto& [name, slot] : slots_)
    if (!slot->idle()) busy.insert(name);
  return busy;
}

bool source_slots::all_idle() const {
  return std::all_of(slots_.begin(), slots_.end(), [](const auto& s) { return s.second->idle(); });
}

void source_slots::reload(const std::vector<source_config>& next) {
  std::set<std::string> names;
  for (const auto& src : next) {
    names.insert(src.name);
    auto it = slots_.find(src.name);
    if (it == slots_.end()) {
      add(src);
      spdlog::info("source '{}': added", src.name);
    } else if (it->second->removing) {
      // Removed, then restored before it went idle: take the new configuration.
      it->second->removing = false;
      it->second->pending = std::make_shared<const source_config>(src);
    } else if (!diff_source(*it->second->config, src).empty()) {
      it->second->pending = std::make_shared<const source_config>(src);
      spdlog::info("source '{}': changed; the new configuration applies once its runs finish",
                   src.name);
    }
  }
  for (auto& [name, slot] : slots_)
    if (!names.count(name) && !slot->removing) {
      slot->removing = true;
      slot->held = false;  // start nothing new; runs in flight finish
      spdlog::info(
          "source '{}': removed from the configuration; it is dropped once its runs finish", name);
    }
}

std::vector<slot_ptr> source_slots::settle() {
  std::vector<slot_ptr> changed;
  std::vector<std::string> drop;
  for (auto& [name, slot] : slots_) {
    slot->note_pause();  // before a rebuild replaces the budget
    if (!slot->idle()) continue;
    if (slot->removing) {
      drop.push_back(name);
    } else if (slot->pending) {
      slot->config = std::move(slot->pending);
      slot->pending.reset();
      build_runtime(*slot);
      changed.push_back(slot);
      spdlog::info("source '{}': new configuration in effect", name);
    } else if (slot->stale_runtime) {
      build_runtime(*slot);
    }
  }
  for (const auto& name : drop) {
    slots_.erase(name);
    metrics_.forget_source(name);
    spdlog::info("source '{}': removed", name);
  }
  return changed;
}

void source_slots::lose(source_slot& slot, const std::string& why) {
  if (!slot.held) return;
  slot.held = false;
  spdlog::warn("source '{}': stopped pulling: {}", slot.config->name, why);
  if (!slot.idle()) {
    // In-flight requests end with `cancelled`; fencing already refuses their commits.
    slot.rt->shutdown();
    slot.stale_runtime = true;
  }
  metrics_.set_lease(slot.config->name, false);
}

void source_slots::lose_all(const std::string& why) {
  for (auto& [name, slot] : slots_)
    if (slot->held) lose(*slot, why);
}

void source_slots::shutdown_all() {
  for (auto& [name, slot] : slots_) slot->rt->shutdown();
}

}  // namespace sluice::daemon
