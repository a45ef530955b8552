#include "daemon/request_runner.hpp"

#include <algorithm>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "daemon/exit_codes.hpp"

namespace sluice::daemon {
namespace {

namespace asio = boost::asio;

std::string describe(const store::run_request& r) {
  std::string streams = r.streams.empty() ? "every stream" : fmt::format("{}", r.streams.front());
  for (std::size_t i = 1; i < r.streams.size(); ++i) streams += ", " + r.streams[i];
  return fmt::format("request #{} from {} ({}{})", r.id, r.requested_by, streams,
                     r.full ? ", full" : "");
}

}  // namespace

request_runner::request_runner(asio::io_context& io, blocking_thread& db,
                               store::run_requests& store, std::string holder, source_slots& slots)
    : io_(io), db_(db), store_(store), holder_(std::move(holder)), slots_(slots) {}

void request_runner::look() {
  if (looking_) {
    look_again_ = true;
    return;
  }
  looking_ = true;
  asio::co_spawn(io_, claim(), asio::detached);
}

asio::awaitable<void> request_runner::claim() {
  do {
    look_again_ = false;
    std::vector<std::string> held;
    for (const auto& [name, slot] : slots_.all())
      if (slot->held && !slot->removing) held.push_back(name);
    const auto mine = ours();
    std::vector<store::run_request> claimed;
    try {
      claimed = co_await db_.run([&] { return store_.claim(holder_, held, mine); });
    } catch (const std::exception& e) {
      // The next look (every few seconds) tries again; the requests wait in the table.
      spdlog::debug("could not claim run requests: {}", e.what());
    }
    for (auto& r : claimed) accept(std::move(r));
  } while (look_again_);
  looking_ = false;
}

std::vector<std::int64_t> request_runner::ours() const {
  std::vector<std::int64_t> ids(recording_.begin(), recording_.end());
  for (const auto& [id, a] : active_) ids.push_back(id);
  return ids;
}

// The request's streams are marked requested; the scheduler starts each as soon as it is free.
// A stream this daemon does not have answers at once, as a failure naming it.
void request_runner::accept(store::run_request request) {
  if (active_.count(request.id)) return;  // already ours (a claim repeated after a lost answer)
  spdlog::info("source '{}': running {}{}", request.source, describe(request),
               request.claimed_from.empty()
                   ? ""
                   : fmt::format(" (taken over from {}, which no longer holds the source)",
                                 request.claimed_from));
  const auto found = slots_.all().find(request.source);
  active a{request, found == slots_.all().end() ? nullptr : found->second, {}, {}, false};
  const auto id = request.id;
  if (!a.slot) {
    a.interrupted = true;  // a reload removed it since the claim: for whoever has it
  } else {
    std::vector<std::string> names = request.streams;
    if (names.empty())
      for (const auto& st : a.slot->streams) names.push_back(st.spec.name);
    for (const auto& name : names) {
      auto st = std::find_if(a.slot->streams.begin(), a.slot->streams.end(),
                             [&](const stream_slot& s) { return s.spec.name == name; });
      if (st == a.slot->streams.end()) {
        a.outcomes.push_back({name, 0, "failed",
                              fmt::format("failed (config): source '{}' has no stream '{}' in the "
                                          "configuration of {}",
                                          request.source, name, holder_)});
        continue;
      }
      a.waiting[name] = st->starts;
      st->requested = true;
      st->requested_full = st->requested_full || request.full;
    }
  }
  active_.emplace(id, std::move(a));
  if (active_.at(id).waiting.empty()) complete(id);
}

void request_runner::on_run_end(source_slot& slot, const std::string& stream, std::uint64_t run,
                                const stream_result& result) {
  std::vector<std::int64_t> finished;
  for (auto& [id, a] : active_) {
    if (a.slot.get() != &slot) continue;
    auto w = a.waiting.find(stream);
    if (w == a.waiting.end() || run <= w->second) continue;  // a run that began before the claim
    a.waiting.erase(w);
    if (result.status == "cancelled") a.interrupted = true;
    a.outcomes.push_back({stream, result.run_id, result.status, outcome_line(result)});
    if (a.waiting.empty()) finished.push_back(id);
  }
  for (auto id : finished) complete(id);
}

// A run of the request that started after the claim and has not ended.
bool request_runner::in_flight(const active& a) const {
  for (const auto& [name, base] : a.waiting)
    for (const auto& st : a.slot->streams)
      if (st.spec.name == name && st.running && st.starts > base) return true;
  return false;
}

// A stream a reload removed while the request waited for it: answered as not configured.
void request_runner::drop_removed_streams(active& a) {
  for (auto w = a.waiting.begin(); w != a.waiting.end();) {
    const auto& streams = a.slot->streams;
    if (std::any_of(streams.begin(), streams.end(),
                    [&](const stream_slot& s) { return s.spec.name == w->first; })) {
      ++w;
      continue;
    }
    a.outcomes.push_back({w->first, 0, "failed",
                          fmt::format("failed (config): the stream '{}' was removed from the "
                                      "configuration of {}",
                                      w->first, holder_)});
    w = a.waiting.erase(w);
  }
}

void request_runner::on_tick() {
  std::vector<std::int64_t> lost, answered;
  for (auto& [id, a] : active_) {
    if (!a.slot) continue;
    if ((!a.slot->held || a.slot->removing) && !in_flight(a)) {
      lost.push_back(id);
      continue;
    }
    drop_removed_streams(a);
    if (a.waiting.empty()) answered.push_back(id);
  }
  for (auto id : answered) complete(id);
  for (auto id : lost) {
    auto& a = active_.at(id);
    // Its streams wait for no one else's request: nothing should start for it when retaken.
    for (auto& st : a.slot->streams) {
      const bool wanted = std::any_of(active_.begin(), active_.end(), [&](const auto& other) {
        return other.first != id && other.second.slot == a.slot &&
               other.second.waiting.count(st.spec.name);
      });
      if (a.waiting.count(st.spec.name) && !wanted) st.requested = st.requested_full = false;
    }
    a.waiting.clear();
    a.interrupted = true;
    complete(id);
  }
}

void request_runner::complete(std::int64_t id) {
  auto node = active_.extract(id);
  recording_.insert(id);
  asio::co_spawn(io_, record(std::move(node.mapped())), asio::detached);
}

// Done: its outcome, with the exit code `sync` has for it. Interrupted: back to pending, for the
// next holder (us again, after a restart or when the source comes back).
asio::awaitable<void> request_runner::record(active done) {
  const auto& r = done.request;
  const bool failed =
      std::any_of(done.outcomes.begin(), done.outcomes.end(),
                  [](const store::request_stream_outcome& o) { return o.status == "failed"; });
  const int code = failed ? exit_code::stream_failed : exit_code::ok;
  try {
    if (done.interrupted) {
      co_await db_.run([&] { return store_.release(r.id, holder_); });
      spdlog::warn("source '{}': {} interrupted; handed back for the next holder of the source",
                   r.source, describe(r));
    } else {
      const bool ours =
          co_await db_.run([&] { return store_.finish(r.id, holder_, code, done.outcomes); });
      if (ours)
        spdlog::info("source '{}': {} done (exit code {})", r.source, describe(r), code);
      else
        spdlog::warn("source '{}': {} was taken over by another holder meanwhile", r.source,
                     describe(r));
    }
  } catch (const std::exception& e) {
    // It stays claimed by us: the next look claims it again (it is no longer ours in memory).
    spdlog::warn("source '{}': could not record {}: {}", r.source, describe(r), e.what());
  }
  recording_.erase(r.id);
}

}  // namespace sluice::daemon
