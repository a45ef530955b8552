#include "daemon/sync_handoff.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/run_log.hpp"
#include "daemon/exit_codes.hpp"
#include "daemon/operator_name.hpp"
#include "daemon/stream_runner.hpp"
#include "store/run_requests.hpp"

namespace sluice::daemon {
namespace {

namespace asio = boost::asio;
using steady = std::chrono::steady_clock;

// How often the requests are read while waiting: a done request is reported within this.
constexpr auto poll_every = std::chrono::milliseconds{300};
// A request not done after this gets a line saying what it waits for, and again each time after.
constexpr auto patience = std::chrono::seconds{15};

// Each stream's line under its run's tag (`eu/reviews#42: ...`), as a local run logs it.
void report_done(const handed_run& run, const store::run_request& r,
                 const std::vector<store::request_stream_outcome>& streams, handed_outcome& out) {
  for (const auto& s : streams) {
    run_log(log_tag{run.source, s.stream, s.run_id}).log(outcome_level(s.status), "{}", s.report);
    ++out.streams;
    if (s.status == "failed") ++out.failed;
  }
  // A request done without any stream would otherwise vanish from the counts.
  if (streams.empty() && r.exit_code.value_or(0) != 0) {
    ++out.streams;
    ++out.failed;
  }
  spdlog::debug("source '{}': request #{} done by {} (exit code {})", run.source, r.id,
                r.claimed_by, r.exit_code.value_or(-1));
}

// Stopped waiting: what no daemon claimed yet is withdrawn; what runs goes on in its daemon.
void stop_waiting(store::run_requests& store, const std::map<std::int64_t, handed_run>& open,
                  handed_outcome& out) {
  for (const auto& [id, run] : open) {
    ++out.interrupted;
    try {
      if (store.cancel(id)) {
        spdlog::warn("source '{}': request #{} cancelled before any daemon started it", run.source,
                     id);
        continue;
      }
    } catch (const std::exception& e) {
      spdlog::warn("source '{}': could not cancel request #{}: {}", run.source, id, e.what());
    }
    spdlog::warn(
        "source '{}': request #{} goes on in the daemon; its outcome will be in the table "
        "run_requests",
        run.source, id);
  }
}

// Said every `patience` while a request is not done, so a long wait never looks like a hang.
void still_waiting(const handed_run& run, const store::run_request& r) {
  if (r.state == "pending")
    spdlog::info(
        "source '{}': request #{} still waits for a daemon holding the source (SIGINT cancels "
        "it)",
        run.source, r.id);
  else
    spdlog::info("source '{}': request #{} still running on '{}'", run.source, r.id, r.claimed_by);
}

}  // namespace

bool sync_handoff::hand_over(const lease_round& round, const selection& sources, bool full) {
  std::map<std::string, std::string> holders;  // source -> holder, for live leases
  std::vector<std::string> names;
  for (const auto& [source, streams] : sources)
    if (const auto* l = live_lease_of(round, source)) {
      holders[source] = l->holder;
      names.push_back(l->holder);
    }
  try {
    store::run_requests store(cfg_.database);
    const auto daemons = store.daemons_among(names);
    for (const auto& [source, streams] : sources) {
      auto h = holders.find(source);
      if (h == holders.end() || !daemons.count(h->second)) {
        refused_.push_back(source);
        continue;
      }
      const auto id = store.submit(source, streams, full, operator_name());
      handed_.push_back({source, h->second, id});
      spdlog::info("source '{}': held by the daemon '{}'; handed the run to it (request #{})",
                   source, h->second, id);
    }
  } catch (const error& e) {
    spdlog::error("{}", e.what());
    return false;
  }
  return true;
}

handed_outcome sync_handoff::abandon() {
  handed_outcome out;
  std::map<std::int64_t, handed_run> open;
  for (const auto& h : handed_) open.emplace(h.id, h);
  try {
    store::run_requests store(cfg_.database);
    stop_waiting(store, open, out);
  } catch (const error& e) {
    spdlog::error("{}", e.what());
    out.interrupted = open.size();
  }
  return out;
}

handed_outcome sync_handoff::wait() {
  handed_outcome out;
  std::map<std::int64_t, handed_run> open;
  for (const auto& h : handed_) open.emplace(h.id, h);
  if (open.empty()) return out;
  asio::io_context io;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  bool stopped = false;
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::warn("signal {}: no longer waiting for the daemons", sig);
    stopped = true;
  });
  try {
    store::run_requests store(cfg_.database);
    std::map<std::int64_t, std::string> running_on;  // last claimant seen
    auto tell_at = steady::now() + patience;
    while (!open.empty() && !stopped) {
      std::vector<std::int64_t> ids;
      for (const auto& [id, run] : open) ids.push_back(id);
      const bool tell = steady::now() >= tell_at;
      if (tell) tell_at += patience;
      for (const auto& r : store.read(ids)) {
        const auto& run = open.at(r.id);
        if (r.state == "done") {
          report_done(run, r, store.outcomes(r.id), out);
          open.erase(r.id);
        } else if (r.state == "cancelled") {
          spdlog::warn("source '{}': request #{} was cancelled", run.source, r.id);
          ++out.interrupted;
          open.erase(r.id);
        } else if (r.state == "running" && running_on[r.id] != r.claimed_by) {
          running_on[r.id] = r.claimed_by;
          spdlog::info("source '{}': request #{} running on '{}'", run.source, r.id, r.claimed_by);
        } else if (tell) {
          still_waiting(run, r);
        }
      }
      if (!open.empty()) io.run_for(poll_every);
    }
    if (stopped) stop_waiting(store, open, out);
  } catch (const error& e) {
    spdlog::error("{}; the daemons still run the requests (table run_requests)", e.what());
    out.interrupted += open.size();
    out.exit_code = exit_code_for(e);
  }
  return out;
}

}  // namespace sluice::daemon
