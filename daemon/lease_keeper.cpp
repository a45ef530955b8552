#include "daemon/lease_keeper.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "daemon/config.hpp"
#include "daemon/lease_plan.hpp"
#include "store/process_identity.hpp"

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
  const auto& process = store::this_process();
  return {instance + "#" + process.instance_id.substr(0, 16), host_name(), process};
}

store::lease_identity one_shot_identity(const std::string& command) {
  return lease_identity_of(host_name() + ":" + std::to_string(store::this_process().pid) + "/" +
                           command);
}

std::string describe_holder(const store::lease_row& lease) {
  return "'" + lease.holder + "' (lease until " + format_timestamp(lease.expires_at) + ")";
}

const store::lease_row* live_lease_of(const lease_round& round, const std::string& source) {
  for (const auto& l : round.leases)
    if (l.source == source && l.live) return &l;
  return nullptr;
}

std::string holder_of(const lease_round& round, const std::string& source) {
  if (const auto* l = live_lease_of(round, source)) return describe_holder(*l);
  if (round.busy.count(source)) return "a session that keeps its lease row locked";
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

std::chrono::milliseconds lease_keeper::period() const {
  // Renew every ttl/6: five chances to get through before a lease would lapse.
  return std::max(std::chrono::milliseconds(500),
                  std::chrono::duration_cast<std::chrono::milliseconds>(ttl_) / 6);
}

void lease_keeper::loop() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, period(), [&] { return stopping_ || !to_release_.empty(); });
      if (stopping_) return;
    }
    auto round = round_locked(false);
    if (on_round_) on_round_(round);
  }
}

lease_round lease_keeper::round_locked(bool first) {
  lease_round round;
  const auto started = steady::now();
  // Optional steps (taking more sources, renewing one by one) start only before this; every
  // statement is bounded by the store's timeouts, so the round as a whole is bounded too.
  const auto deadline = started + period();
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
    hand_back(std::move(releases));
    // Renew first: a slow round must not let what we hold lapse while we look for more. Renewal
    // may use a second period; its leases stay trusted for four.
    renew_held(round, started, deadline + period());
    if (mode_ == mode::shared) {
      share(round, wanted, busy, started, deadline);
      if (!jobs_) jobs_ = std::make_unique<store::backfill_store>(db_);
      round.jobs = jobs_->unfinished({held_.begin(), held_.end()});
    } else if (first) {
      for (const auto& s : wanted) take(s, round, started);
      // Who holds what we could not take, for the command's message (holder_of).
      round.leases = leases_->leases();
    }
    round.ok = true;
  } catch (const std::exception& e) {
    round.ok = false;
    round.error = e.what();
    // Reconnect next round; what we held stays ours in the database until it expires, and the
    // caller stops using it at the last round's valid_until.
    leases_.reset();
    jobs_.reset();
  }
  forget_unconfirmed();
  note_busy(round);
  note_outcome(round);
  round.held = held_;
  round.instances = instances_;
  round.valid_until = started + ttl_ * 2 / 3;
  for (const auto& s : held_) round.valid_until = std::min(round.valid_until, valid_[s]);
  last_round_.store(steady::now().time_since_epoch().count());
  return round;
}

void lease_keeper::hand_back(std::vector<std::string> sources) {
  // Kept until the database confirms: a locked row or a lost connection leaves them ours (and
  // renewed) until a later round gets them back.
  unreleased_.insert(unreleased_.end(), sources.begin(), sources.end());
  if (unreleased_.empty()) return;
  try {
    leases_->release(unreleased_);
  } catch (const store::lease_busy&) {
    return;
  }
  for (const auto& s : unreleased_) {
    held_.erase(s);
    valid_.erase(s);
  }
  unreleased_.clear();
}

void lease_keeper::renew_held(lease_round& round, steady::time_point started,
                              steady::time_point deadline) {
  if (held_.empty()) return;
  // Sources whose row was locked last time are renewed on their own, after the others: one
  // locked row must not hold up the statement that renews the rest.
  std::vector<std::string> others, suspects, kept, unsure;
  for (const auto& s : held_) (busy_noted_.count(s) ? suspects : others).push_back(s);
  auto one_by_one = [&](const std::vector<std::string>& names) {
    for (const auto& s : names) {
      if (steady::now() >= deadline) {
        unsure.push_back(s);  // out of time: neither confirmed nor lost
        continue;
      }
      try {
        auto one = leases_->renew({s});
        kept.insert(kept.end(), one.begin(), one.end());
      } catch (const store::lease_busy&) {
        unsure.push_back(s);
        round.busy.insert(s);
      }
    }
  };
  try {
    kept = leases_->renew(others);
  } catch (const store::lease_busy&) {
    one_by_one(others);
  }
  one_by_one(suspects);
  for (const auto& s : kept) valid_[s] = started + ttl_ * 2 / 3;
  for (auto it = held_.begin(); it != held_.end();) {
    const bool renewed = std::find(kept.begin(), kept.end(), *it) != kept.end();
    if (renewed || std::find(unsure.begin(), unsure.end(), *it) != unsure.end()) {
      ++it;
      continue;
    }
    spdlog::warn(
        "lease on source '{}' lost: it expired before it could be renewed (another "
        "process may hold it now)",
        *it);
    valid_.erase(*it);
    it = held_.erase(it);
  }
}

bool lease_keeper::take(const std::string& source, lease_round& round, steady::time_point started) {
  try {
    if (!leases_->try_acquire(source)) return false;
  } catch (const store::lease_busy&) {
    round.busy.insert(source);
    return false;
  }
  held_.insert(source);
  valid_[source] = started + ttl_ * 2 / 3;
  return true;
}

void lease_keeper::share(lease_round& round, const std::vector<std::string>& wanted,
                         const std::set<std::string>& busy, steady::time_point started,
                         steady::time_point deadline) {
  std::vector<store::lease_row> rows;
  try {
    auto instances = leases_->heartbeat(wanted);
    instances_ = instances.size();
    rows = leases_->leases();
    // A lease row still ours that we no longer count as held (its renewal was held up by a lock
    // past its trusted time) is free for us to take back.
    for (auto& l : rows)
      if (l.holder == me_.holder && !held_.count(l.source)) l.live = false;
    auto plan = plan_leases({me_.holder, wanted, std::move(instances), std::move(rows), busy});
    if (!plan.release.empty()) {
      leases_->release(plan.release);
      for (const auto& s : plan.release) {
        held_.erase(s);
        valid_.erase(s);
        round.released.insert(s);
      }
      spdlog::info("handed over source(s) {} (sharing: {} per instance)", joined(plan.release),
                   plan.target);
    }
    round.draining.insert(plan.drain.begin(), plan.drain.end());
    std::vector<std::string> taken;
    for (const auto& s : plan.acquire) {
      if (steady::now() >= deadline) break;  // the rest next round
      if (take(s, round, started)) taken.push_back(s);
    }
    if (!taken.empty()) spdlog::info("took the lease on source(s) {}", joined(taken));
    if (!sharing_stalled_.empty()) spdlog::info("sharing sources works again");
    sharing_stalled_.clear();
  } catch (const store::lease_busy& e) {
    // The instances table or a row to hand over is locked: what we hold stays (renewed above);
    // sharing waits for a later round. Logged once, not every round.
    if (sharing_stalled_ != e.what())
      spdlog::warn("sharing sources skipped this round: {}; trying again every round", e.what());
    sharing_stalled_ = e.what();
  }
}

void lease_keeper::forget_unconfirmed() {
  // A lease whose trust would end before the next round could confirm it is not ours to use
  // any more: the caller stops work on it now, while the row is still ours in the database.
  // From now, not from the round's start: a round that waited on the database took time.
  const auto limit = steady::now() + period() + period();
  for (auto it = held_.begin(); it != held_.end();) {
    if (valid_[*it] > limit) {
      ++it;
      continue;
    }
    spdlog::warn(
        "lease on source '{}' could not be renewed in time; stopped using it until it "
        "can be taken again",
        *it);
    valid_.erase(*it);
    it = held_.erase(it);
  }
}

void lease_keeper::note_busy(const lease_round& round) {
  // Logged when a row becomes locked and when it is free again, not every round.
  for (const auto& s : round.busy)
    if (busy_noted_.insert(s).second)
      spdlog::warn(
          "lease row of source '{}' is locked by another session (waited over {} ms); "
          "trying again every round",
          s,
          leases_ ? leases_->timeouts().lock.count()
                  : store::lease_timeouts_for(ttl_).lock.count());
  for (auto it = busy_noted_.begin(); it != busy_noted_.end();) {
    if (round.busy.count(*it) || !round.ok) {
      ++it;
      continue;
    }
    spdlog::info("lease row of source '{}' is no longer locked", *it);
    it = busy_noted_.erase(it);
  }
}

void lease_keeper::note_outcome(const lease_round& round) {
  if (round.ok) {
    if (failed_rounds_ > 0)
      spdlog::info("lease rounds work again (after {} failed round(s))", failed_rounds_);
    failed_rounds_ = 0;
    failing_.clear();
    return;
  }
  ++failed_rounds_;
  // Once per distinct failure: a database that stays away must not fill the log every round.
  if (round.error != failing_)
    spdlog::warn(
        "lease round failed: {} (retrying every {} ms; what we hold stays in use until "
        "its lease would lapse)",
        round.error, period().count());
  failing_ = round.error;
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
    valid_.clear();
  } catch (const std::exception& e) {
    spdlog::warn("could not hand back leases ({}); they expire within {}s", e.what(), ttl_.count());
  }
}

}  // namespace sluice::daemon
