#include "daemon/lease_keeper.hpp"

#include <algorithm>

#include <unistd.h>

#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "daemon/config.hpp"
#include "daemon/lease_plan.hpp"

namespace sluice::daemon {
namespace {

using steady = std::chrono::steady_clock;

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

store::lease_identity lease_identity_of(const std::string& instance) {
  return {instance, host_name(), static_cast<int>(::getpid())};
}

store::lease_identity one_shot_identity(const std::string& command) {
  auto me = lease_identity_of("");
  me.holder = me.host + ":" + std::to_string(me.pid) + "/" + command;
  return me;
}

std::string describe_holder(const store::lease_row& lease) {
  return "'" + lease.holder + "' (lease until " + format_timestamp(lease.expires_at) + ")";
}

std::string holder_of(const lease_round& round, const std::string& source) {
  for (const auto& l : round.leases)
    if (l.source == source && l.live) return describe_holder(l);
  return "another process";
}

lease_keeper::lease_keeper(store::database_options db, store::lease_identity me,
                           std::chrono::seconds ttl, mode m, std::vector<std::string> wanted)
    : db_(std::move(db)), me_(std::move(me)), ttl_(ttl), mode_(m), wanted_(std::move(wanted)) {}

lease_keeper::~lease_keeper() { stop(); }

lease_round lease_keeper::round_now() { return round_locked(true); }

void lease_keeper::start(std::function<void(const lease_round&)> on_round) {
  on_round_ = std::move(on_round);
  thread_ = std::thread([this] { loop(); });
}

void lease_keeper::set_wanted(std::vector<std::string> sources) {
  std::lock_guard lock(mutex_);
  wanted_ = std::move(sources);
  wake_.notify_all();
}

void lease_keeper::set_busy(std::set<std::string> sources) {
  std::lock_guard lock(mutex_);
  busy_ = std::move(sources);
}

void lease_keeper::release(const std::string& source) {
  std::lock_guard lock(mutex_);
  to_release_.push_back(source);
  wanted_.erase(std::remove(wanted_.begin(), wanted_.end(), source), wanted_.end());
  wake_.notify_all();
}

std::chrono::steady_clock::time_point lease_keeper::last_round() const {
  return steady::time_point(steady::duration(last_round_.load()));
}

void lease_keeper::loop() {
  // Renew every ttl/6: five chances to get through before a lease would lapse.
  const auto every = std::max<steady::duration>(std::chrono::milliseconds(500), ttl_ / 6);
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, every, [&] { return stopping_ || !to_release_.empty(); });
      if (stopping_) return;
    }
    auto round = round_locked(false);
    if (on_round_) on_round_(round);
  }
}

lease_round lease_keeper::round_locked(bool first) {
  lease_round round;
  const auto started = steady::now();
  std::vector<std::string> wanted, releases;
  std::set<std::string> busy;
  {
    std::lock_guard lock(mutex_);
    wanted = wanted_;
    busy = busy_;
    releases.swap(to_release_);
  }
  try {
    if (!leases_) leases_ = std::make_unique<store::lease_store>(db_, me_, ttl_);
    if (!releases.empty()) {
      leases_->release(releases);
      for (const auto& s : releases) held_.erase(s);
    }
    // Renew first: a slow round must not let what we hold lapse while we look for more.
    if (!held_.empty()) {
      auto kept = leases_->renew({held_.begin(), held_.end()});
      std::set<std::string> now_held(kept.begin(), kept.end());
      for (const auto& s : held_)
        if (!now_held.count(s))
          spdlog::warn("lease on source '{}' lost (it expired and another process took it)", s);
      held_ = std::move(now_held);
    }
    if (mode_ == mode::shared) {
      auto instances = leases_->heartbeat(wanted);
      round.instances = instances.size();
      lease_view view{me_.holder, wanted, std::move(instances), leases_->leases(), busy};
      auto plan = plan_leases(view);
      if (!plan.release.empty()) {
        leases_->release(plan.release);
        for (const auto& s : plan.release) held_.erase(s);
        spdlog::info("handed over source(s) {} (sharing: {} per instance)", joined(plan.release),
                     plan.target);
      }
      std::vector<std::string> taken;
      for (const auto& s : plan.acquire)
        if (leases_->try_acquire(s)) {
          held_.insert(s);
          taken.push_back(s);
        }
      if (!taken.empty()) spdlog::info("took the lease on source(s) {}", joined(taken));
      if (!jobs_) jobs_ = std::make_unique<store::backfill_store>(db_);
      round.jobs = jobs_->unfinished({held_.begin(), held_.end()});
    } else if (first) {
      for (const auto& s : wanted)
        if (leases_->try_acquire(s)) held_.insert(s);
      // Who holds what we could not take, for the command's message (holder_of).
      round.leases = leases_->leases();
    }
    round.ok = true;
    round.valid_until = started + ttl_ * 2 / 3;
  } catch (const std::exception& e) {
    round.ok = false;
    round.error = e.what();
    // Reconnect next round; what we held stays ours in the database until it expires, and the
    // caller stops using it at the last round's valid_until.
    leases_.reset();
    jobs_.reset();
    spdlog::warn("lease round failed: {}", e.what());
  }
  round.held = held_;
  last_round_.store(steady::now().time_since_epoch().count());
  return round;
}

void lease_keeper::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && stopped_) return;
    stopping_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  if (stopped_) return;
  stopped_ = true;
  try {
    if (!held_.empty() || mode_ == mode::shared) {
      if (!leases_) leases_ = std::make_unique<store::lease_store>(db_, me_, ttl_);
      if (!held_.empty()) leases_->release({held_.begin(), held_.end()});
      if (mode_ == mode::shared) leases_->leave();
    }
    held_.clear();
  } catch (const std::exception& e) {
    spdlog::warn("could not hand back leases ({}); they expire within {}s", e.what(), ttl_.count());
  }
}

}  // namespace sluice::daemon
