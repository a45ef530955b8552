// `sluice run`: the daemon of DESIGN.md section 8. One I/O thread runs the scheduler, every
// stream's pull and the metrics server; the writer thread commits rows; the blocking thread does
// bookkeeping; the lease thread takes and renews leases. The scheduler loop ticks every second:
// it starts streams that are due on sources we hold, runs backfill jobs when live work leaves
// room, applies reloads once a source is idle, and pings the systemd watchdog.
#include <algorithm>
#include <csignal>
#include <map>
#include <memory>
#include <random>
#include <set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include "core/error.hpp"
#include "core/redaction.hpp"
#include "daemon/commands.hpp"
#include "daemon/config_diff.hpp"
#include "daemon/daemon_metrics.hpp"
#include "daemon/lease_keeper.hpp"
#include "daemon/notify.hpp"
#include "daemon/schedule.hpp"
#include "daemon/source_runtime.hpp"
#include "daemon/stream_runner.hpp"
#include "daemon/verify_pass.hpp"
#include "net/http_server.hpp"
#include "store/backfill_jobs.hpp"
#include "store/batch_writer.hpp"
#include "store/census.hpp"
#include "store/state.hpp"
#include "store/verifications.hpp"

namespace sluice::daemon {
namespace {

namespace asio = boost::asio;
using steady = std::chrono::steady_clock;

constexpr auto tick = std::chrono::seconds{1};
// SIGTERM to exit: systemd's default stop timeout is 90 s, ours (and the issue's) is 10 s. Work
// that has not ended by then is abandoned: PostgreSQL rolls back an uncommitted batch.
constexpr auto stop_deadline = std::chrono::seconds{8};
// How often the runs that changed nothing (logged at debug) are summed up in one info line.
constexpr auto summary_every = std::chrono::minutes{1};

struct stream_slot {
  connectors::stream_spec spec;
  steady::time_point next_due{};
  int failures = 0;
  bool running = false;
  // A verification found drift that only the stream's full walk repairs: its next run is full.
  bool force_full = false;
  int forced_runs = 0;          // forced full runs ended so far (a verification waits for one)
  bool forced_ok = false;       // how the last one ended
};

struct source_slot {
  std::shared_ptr<const source_config> config;
  std::unique_ptr<source_runtime> rt;
  std::vector<stream_slot> streams;
  std::shared_ptr<const source_config> pending;  // a reload changed it: applied once idle
  bool removing = false;                         // a reload removed it: dropped once idle
  bool stale_runtime = false;  // its clients were shut down (lease lost): rebuilt once idle
  bool held = false;
  bool backfill_running = false;
  steady::time_point backfill_not_before{};
  int backfill_failures = 0;
  bool verify_running = false;
  std::optional<steady::time_point> verify_due;  // unset: verify_interval 0, or not known yet
  // The API told the source to come back later (a Retry-After longer than a run waits): none of
  // its runs starts before. Kept here too, since a rebuilt runtime has a fresh budget.
  steady::time_point not_before{};

  // Takes over the pause of the source's budget, if it is later; returns the latest.
  steady::time_point note_pause() {
    if (rt) not_before = std::max(not_before, rt->budget->paused_until());
    return not_before;
  }

  bool idle() const {
    return !backfill_running && !verify_running &&
           std::none_of(streams.begin(), streams.end(), [](const stream_slot& s) { return s.running; });
  }
};

// The soft descriptor limit is often 1024 (kept low for select()); sluice uses epoll and poll
// only, so it raises it to the hard limit, and says so when even that looks short: about two
// descriptors per source at peak (a connection per running stream) plus the database
// connections, the listener and the journal.
void raise_descriptor_limit(std::size_t sources) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    // Under the unit's system call filter setrlimit may be refused; LimitNOFILE= sets both.
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  const auto wanted = 64 + 2 * sources;
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < wanted)
    spdlog::warn("the descriptor limit is {} for {} source(s), which may need about {}: raise "
                 "LimitNOFILE= (systemd) or ulimit -n",
                 lim.rlim_cur, sources, wanted);
}

class supervisor {
public:
  explicit supervisor(config cfg)
      : cfg_(std::move(cfg)),
        identity_(lease_identity_of(cfg_.daemon.instance)),
        rng_(std::random_device{}()) {}

  int run();

private:
  // ---- setup and teardown
  void add_source(const source_config& src);
  void build_runtime(source_slot& slot);
  std::vector<std::string> source_names() const;

  // ---- the loop
  asio::awaitable<void> scheduler();
  void on_tick();
  void on_lease_round(const lease_round& round);
  void start_stream(const std::shared_ptr<source_slot>& slot, std::size_t index);
  void start_backfill(const std::shared_ptr<source_slot>& slot, store::backfill_job job);
  void schedule_verify(const std::shared_ptr<source_slot>& slot);
  void start_verify(const std::shared_ptr<source_slot>& slot);
  std::function<asio::awaitable<bool>()> forced_full_walk(const std::shared_ptr<source_slot>& slot,
                                                          const std::string& stream);
  void lose(source_slot& slot, const std::string& why);
  void update_status();
  void count_run(const stream_result& result);
  void log_summary(steady::time_point now);
  void sweep_abandoned_runs();
  // /readyz fails when no lease round succeeded for this long: two renewals missed.
  steady::duration ready_within() const {
    return std::max<steady::duration>(std::chrono::seconds{5}, cfg_.daemon.lease_ttl / 3);
  }

  // ---- signals
  void reload();
  void begin_stop(int sig);
  void finish_if_stopped();

  net::response endpoint(std::string_view target);

  config cfg_;
  store::lease_identity identity_;
  std::mt19937_64 rng_;
  asio::io_context io_{1};
  daemon_metrics metrics_;

  std::unique_ptr<store::state> state_;
  std::unique_ptr<store::backfill_store> jobs_;
  std::unique_ptr<store::batch_writer> writer_;
  std::unique_ptr<blocking_thread> db_;
  std::unique_ptr<run_context> ctx_;
  std::unique_ptr<store::verification_store> journal_;
  std::unique_ptr<store::census> census_;
  std::unique_ptr<verify_context> vctx_;
  std::unique_ptr<lease_keeper> leases_;
  std::unique_ptr<net::http_server> server_;
  std::unique_ptr<asio::signal_set> signals_;

  std::map<std::string, std::shared_ptr<source_slot>> slots_;
  std::vector<store::backfill_job> pending_jobs_;
  steady::time_point leases_valid_until_{};
  bool last_round_ok_ = false;
  std::string last_round_error_;
  steady::time_point last_round_ok_at_{};
  std::size_t instances_ = 1;
  bool ready_ = false;
  bool stopping_ = false;
  bool finished_ = false;
  steady::time_point last_tick_{};
  std::optional<std::chrono::microseconds> watchdog_;
  std::string last_error_;  // the latest stream failure, for STATUS=
  // Stream runs since the last summary line.
  steady::time_point window_start_{};
  std::size_t window_runs_ = 0;
  std::size_t window_unchanged_ = 0;
  std::size_t window_failed_ = 0;
};

std::vector<std::string> supervisor::source_names() const {
  std::vector<std::string> names;
  for (const auto& [name, slot] : slots_)
    if (!slot->removing) names.push_back(name);
  return names;
}

void supervisor::build_runtime(source_slot& slot) {
  const std::string name = slot.config->name;
  slot.rt = std::make_unique<source_runtime>(make_source_runtime(
      io_.get_executor(), *slot.config,
      [this, name](const net::request_event& e) { metrics_.on_request(name, e); }));
  std::vector<stream_slot> streams;
  for (auto& spec : slot.rt->selected_streams({})) {
    stream_slot s{spec};
    // Keep the schedule of streams that survive a reload; new ones start soon.
    for (const auto& old : slot.streams)
      if (old.spec.name == spec.name) {
        s.next_due = old.next_due;
        s.failures = old.failures;
      }
    streams.push_back(std::move(s));
  }
  slot.streams = std::move(streams);
  slot.stale_runtime = false;
}

void supervisor::add_source(const source_config& src) {
  auto slot = std::make_shared<source_slot>();
  slot->config = std::make_shared<const source_config>(src);
  build_runtime(*slot);
  slots_[src.name] = std::move(slot);
}

int supervisor::run() {
  try {
    migrate_schema(cfg_);
    state_ = std::make_unique<store::state>(cfg_.database);
    jobs_ = std::make_unique<store::backfill_store>(cfg_.database);
    store::writer_options wo;
    wo.on_commit = [this](const store::commit_report& r) { metrics_.on_commit(r); };
    writer_ = std::make_unique<store::batch_writer>(cfg_.database, wo);
    journal_ = std::make_unique<store::verification_store>(cfg_.database);
    census_ = std::make_unique<store::census>(cfg_.database);
  } catch (const error& e) {
    spdlog::error("{}", e.what());
    return e.kind() == error_kind::config ? exit_code::config : exit_code::unavailable;
  }
  db_ = std::make_unique<blocking_thread>();
  ctx_ = std::make_unique<run_context>(run_context{*db_, *state_, *jobs_, *writer_, identity_.holder, true});
  vctx_ = std::make_unique<verify_context>(verify_context{*ctx_, *journal_, *census_});

  for (const auto& src : cfg_.sources) add_source(src);
  raise_descriptor_limit(slots_.size());

  if (auto listen = parse_listen(cfg_.daemon.listen)) {
    try {
      net::server_options so;
      so.host = listen->host;
      so.port = listen->port;
      server_ = std::make_unique<net::http_server>(
          io_.get_executor(), so, [this](std::string_view target) { return endpoint(target); });
      spdlog::info("serving /metrics, /healthz and /readyz on http://{}:{}",
                   listen->host.find(':') != std::string::npos ? "[" + listen->host + "]" : listen->host,
                   server_->local_port());
    } catch (const error& e) {
      spdlog::error("{}", e.what());
      return exit_code::config;
    }
  }

  leases_ = std::make_unique<lease_keeper>(cfg_.database, identity_, cfg_.daemon.lease_ttl,
                                           lease_keeper::mode::shared, source_names());
  // The first lease round before READY=1: systemd and /readyz then mean "working".
  on_lease_round(leases_->round_now());
  leases_->start([this](const lease_round& round) {
    asio::post(io_, [this, round] { on_lease_round(round); });
  });

  signals_ = std::make_unique<asio::signal_set>(io_, SIGINT, SIGTERM, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [this, &on_signal](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        if (sig == SIGHUP) {
          reload();
        } else {
          begin_stop(sig);
        }
        if (!finished_) signals_->async_wait(on_signal);
      };
  signals_->async_wait(on_signal);

  watchdog_ = systemd::watchdog_interval();
  ready_ = true;
  update_status();
  systemd::notify("READY=1");
  spdlog::info("sluice run: instance '{}', {} source(s) configured, lease ttl {}s", identity_.holder,
               slots_.size(), cfg_.daemon.lease_ttl.count());

  window_start_ = steady::now();
  sweep_abandoned_runs();
  asio::co_spawn(io_, scheduler(), asio::detached);
  io_.run();

  // The loop ended: everything in flight finished or was abandoned at the deadline.
  writer_->stop();
  db_->join();
  // Runs abandoned at the stop deadline must not stay 'running'. Skipped when the database is
  // not answering: a stop must not wait for it.
  if (last_round_ok_) {
    try {
      state_->close_abandoned_runs(identity_.holder);
    } catch (const std::exception& e) {
      spdlog::warn("could not close this process's unfinished runs: {}", e.what());
    }
  }
  leases_->stop();
  spdlog::info("sluice run: stopped");
  return exit_code::ok;
}

asio::awaitable<void> supervisor::scheduler() {
  asio::steady_timer timer(io_);
  while (!stopping_) {
    on_tick();
    timer.expires_after(tick);
    co_await timer.async_wait(asio::use_awaitable);
  }
}

void supervisor::on_tick() {
  const auto now = steady::now();
  last_tick_ = now;

  // Leases we could not confirm in time are given up before they can lapse: another instance
  // may take the source once the database says it expired.
  if (now > leases_valid_until_)
    for (auto& [name, slot] : slots_)
      if (slot->held) lose(*slot, "its lease could not be renewed in time");

  std::set<std::string> busy;
  std::vector<std::string> drop;
  for (auto& [name, slot] : slots_) {
    slot->note_pause();  // before a rebuild replaces the budget
    if (slot->idle()) {
      if (slot->removing) {
        drop.push_back(name);
        continue;
      }
      if (slot->pending) {
        slot->config = std::move(slot->pending);
        slot->pending.reset();
        build_runtime(*slot);
        if (slot->held) schedule_verify(slot);
        spdlog::info("source '{}': new configuration in effect", name);
      } else if (slot->stale_runtime) {
        build_runtime(*slot);
      }
    } else {
      busy.insert(name);
    }
    if (!slot->held || slot->removing || slot->pending || slot->stale_runtime) continue;
    if (now < slot->not_before) continue;  // the API asked this source to wait
    for (std::size_t i = 0; i < slot->streams.size(); ++i)
      if (!slot->streams[i].running && slot->streams[i].next_due <= now) start_stream(slot, i);
    if (!slot->backfill_running && now >= slot->backfill_not_before) {
      for (const auto& job : pending_jobs_)
        if (job.source == name) {
          start_backfill(slot, job);
          break;
        }
    }
    if (!slot->verify_running && slot->verify_due && now >= *slot->verify_due) start_verify(slot);
    if (!slot->idle()) busy.insert(name);
  }
  for (const auto& name : drop) {
    slots_.erase(name);
    metrics_.forget_source(name);
    spdlog::info("source '{}': removed", name);
  }
  leases_->set_busy(busy);
  metrics_.on_tick();
  if (now - window_start_ >= summary_every) log_summary(now);

  // The watchdog hears from us only while both loops live: this one, and the lease thread (a
  // lease thread stuck in a database call would let leases lapse while we keep pulling).
  if (watchdog_) {
    auto lease_age = now - leases_->last_round();
    if (lease_age < std::max<steady::duration>(*watchdog_, cfg_.daemon.lease_ttl))
      systemd::notify("WATCHDOG=1");
  }
}

void supervisor::on_lease_round(const lease_round& round) {
  last_round_ok_ = round.ok;
  last_round_error_ = round.error;
  if (round.ok) last_round_ok_at_ = steady::now();
  if (!round.ok) {
    update_status();
    return;
  }
  leases_valid_until_ = round.valid_until;
  instances_ = round.instances;
  pending_jobs_ = round.jobs;
  const auto now = steady::now();
  for (auto& [name, slot] : slots_) {
    bool held = round.held.count(name) > 0 && !slot->removing;
    if (slot->held && !held) lose(*slot, "its lease was handed over or lost (see the lease lines)");
    if (!slot->held && held) {
      slot->held = true;
      // Start soon, spread over a couple of seconds so sources taken together do not all
      // send their first requests in the same instant.
      for (auto& s : slot->streams)
        s.next_due = std::max(s.next_due, now + first_run_delay(s.spec.name.size(), rng_));
      schedule_verify(slot);
      spdlog::info("source '{}': pulling (lease held)", name);
    }
    metrics_.set_lease(name, slot->held);
  }
  update_status();
}

void supervisor::lose(source_slot& slot, const std::string& why) {
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

void supervisor::start_stream(const std::shared_ptr<source_slot>& slot, std::size_t index) {
  auto& s = slot->streams[index];
  s.running = true;
  asio::co_spawn(
      io_,
      [this, slot, index]() -> asio::awaitable<void> {
        auto& st = slot->streams[index];
        const bool forced = st.force_full;
        st.force_full = false;
        stream_request request{*slot->rt, st.spec, forced, std::nullopt};
        auto result = co_await run_stream(*ctx_, std::move(request));
        st.running = false;
        if (forced) {
          st.forced_ok = result.ok() && result.status != "suspicious";
          ++st.forced_runs;
        }
        const auto& src = *slot->config;
        metrics_.on_run(src.name, st.spec.name, result);
        count_run(result);
        if (result.cursor)
          metrics_.set_cursor_time(src.name, st.spec.name,
                                   slot->rt->connector->cursor_time(st.spec.name, *result.cursor));
        if (result.ok()) {
          st.failures = 0;
        } else {
          if (counts_toward_backoff(*result.error)) ++st.failures;
          last_error_ = src.name + "/" + st.spec.name + ": " + result.message;
        }
        // A verification asked for a full walk while this run was in flight: it runs next. Not
        // before the time the API asked the source to wait, though.
        st.next_due = std::max(st.force_full ? steady::now()
                                             : steady::now() + next_run_delay(src.interval, st.failures, rng_),
                               slot->note_pause());
        update_status();
        finish_if_stopped();
      },
      asio::detached);
}

void supervisor::start_backfill(const std::shared_ptr<source_slot>& slot, store::backfill_job job) {
  auto spec = std::find_if(slot->streams.begin(), slot->streams.end(),
                           [&](const stream_slot& s) { return s.spec.name == job.stream; });
  if (spec == slot->streams.end() || !spec->spec.backfill) {
    // Not a stream of this configuration (a reload removed it): leave the job for later.
    slot->backfill_not_before = steady::now() + std::chrono::minutes{1};
    return;
  }
  slot->backfill_running = true;
  asio::co_spawn(
      io_,
      [this, slot, job, stream = spec->spec]() -> asio::awaitable<void> {
        stream_request request{*slot->rt, stream, false, job};
        auto result = co_await run_stream(*ctx_, std::move(request));
        slot->backfill_running = false;
        slot->note_pause();
        metrics_.on_run(job.source, job.stream, result);
        if (result.ok()) {
          slot->backfill_failures = 0;
        } else {
          ++slot->backfill_failures;
          slot->backfill_not_before = steady::now() + backfill_retry_delay(slot->backfill_failures);
        }
        // Done or failed for good: the next lease round no longer lists it.
        pending_jobs_.erase(std::remove_if(pending_jobs_.begin(), pending_jobs_.end(),
                                           [&](const store::backfill_job& j) { return j.id == job.id; }),
                            pending_jobs_.end());
        finish_if_stopped();
      },
      asio::detached);
}

// When the source's next verification is due: verify_interval after its last one (kept across
// restarts in the verifications table), so that restarting the daemon neither skips nor repeats
// verifications. Read off the I/O thread; until then none is due.
void supervisor::schedule_verify(const std::shared_ptr<source_slot>& slot) {
  slot->verify_due.reset();
  const duration interval = slot->config->verify_interval;
  if (interval <= duration::zero()) return;
  asio::co_spawn(
      io_,
      [this, slot, interval]() -> asio::awaitable<void> {
        std::optional<timestamp> last;
        try {
          last = co_await db_->run([&] { return journal_->last_finished(slot->config->name); });
        } catch (const std::exception& e) {
          spdlog::warn("source '{}': {}; next verification in {}", slot->config->name, e.what(),
                       format_duration(interval));
        }
        duration wait = interval;
        if (last) {
          const auto since = std::chrono::duration_cast<duration>(
              std::chrono::system_clock::now() - *last);
          wait = std::clamp(interval - since, duration::zero(), interval);
        }
        if (!slot->verify_running) slot->verify_due = steady::now() + wait;
      },
      asio::detached);
}

// Verifications run beside live pulls: requests at low priority, repairs safe against concurrent
// writes of the same stream (see connectors/partoo/verify.hpp). Only a repair by full walk takes
// the stream's own slot, as its next run.
void supervisor::start_verify(const std::shared_ptr<source_slot>& slot) {
  slot->verify_running = true;
  slot->verify_due.reset();
  std::vector<connectors::stream_spec> streams;
  for (const auto& s : slot->streams) streams.push_back(s.spec);
  verify_pass pass{*slot->rt, std::move(streams),
                   [this, slot](const std::string& stream) { return forced_full_walk(slot, stream); },
                   [this, slot] { return !stopping_ && slot->held; },
                   [this, slot](const std::string& stream, const verify_result& result) {
                     metrics_.on_verify(slot->config->name, stream, result);
                     if (result.outcome == "failed" || result.outcome == "drift")
                       last_error_ = slot->config->name + "/" + stream + ": verification " +
                                     result.outcome;
                   }};
  asio::co_spawn(
      io_,
      [this, slot, pass = std::move(pass)]() mutable -> asio::awaitable<void> {
        co_await run_verify_pass(*vctx_, std::move(pass));
        slot->verify_running = false;
        slot->note_pause();
        // Its requests' connections: the next verification is hours away.
        slot->rt->backfill_http->close_idle();
        if (slot->config->verify_interval > duration::zero())
          slot->verify_due = steady::now() + slot->config->verify_interval;
        update_status();
        finish_if_stopped();
      },
      asio::detached);
}

// "The stream's next run is full", and the wait for that run to end.
std::function<asio::awaitable<bool>()> supervisor::forced_full_walk(
    const std::shared_ptr<source_slot>& slot, const std::string& stream) {
  return [this, slot, stream]() -> asio::awaitable<bool> {
    std::size_t index = 0;
    while (index < slot->streams.size() && slot->streams[index].spec.name != stream) ++index;
    if (index == slot->streams.size()) co_return false;
    const int before = slot->streams[index].forced_runs;
    slot->streams[index].force_full = true;
    slot->streams[index].next_due = steady::now();
    asio::steady_timer timer(io_);
    while (slot->streams[index].forced_runs == before) {
      if (stopping_ || !slot->held) co_return false;
      timer.expires_after(std::chrono::milliseconds{200});
      co_await timer.async_wait(asio::use_awaitable);
    }
    co_return slot->streams[index].forced_ok;
  };
}

void supervisor::count_run(const stream_result& result) {
  ++window_runs_;
  window_unchanged_ += result.unchanged();
  window_failed_ += !result.ok() && result.status != "cancelled";
}

// One line per minute instead of one per unchanged run: how many runs there were, and how many
// of them changed nothing (each of those logged at debug only).
void supervisor::log_summary(steady::time_point now) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now - window_start_).count();
  if (window_runs_ > 0)
    spdlog::info("last {}s: {} stream run(s), {} changed nothing, {} failed", seconds, window_runs_,
                 window_unchanged_, window_failed_);
  window_start_ = now;
  window_runs_ = window_unchanged_ = window_failed_ = 0;
  sweep_abandoned_runs();
}

// Run rows left 'running' by a process that died or lost the source (or by us, when a lost
// connection swallowed a run's end) are closed as 'interrupted', so history and status never
// show a run that goes on forever. On the bookkeeping thread; a failure waits for the next sweep.
void supervisor::sweep_abandoned_runs() {
  asio::co_spawn(
      io_,
      [this]() -> asio::awaitable<void> {
        try {
          auto closed = co_await db_->run([this] { return state_->close_abandoned_runs(); });
          if (closed > 0) spdlog::warn("closed {} abandoned run(s) as interrupted", closed);
        } catch (const std::exception& e) {
          spdlog::debug("could not close abandoned runs: {}", e.what());
        }
      },
      asio::detached);
}

void supervisor::update_status() {
  std::size_t held = 0, running = 0;
  for (const auto& [name, slot] : slots_) {
    held += slot->held;
    for (const auto& s : slot->streams) running += s.running;
    running += slot->backfill_running;
    running += slot->verify_running;
  }
  std::string status = stopping_ ? "stopping" :
      "holding " + std::to_string(held) + " of " + std::to_string(slots_.size()) +
      " source(s) (" + std::to_string(instances_) + " instance(s)); " + std::to_string(running) +
      " run(s) in flight";
  if (!last_round_ok_) status += "; database: " + last_round_error_;
  else if (!last_error_.empty()) status += "; last failure: " + last_error_;
  if (status.size() > 400) status.resize(400);
  systemd::notify("STATUS=" + redact(status));
}

void supervisor::reload() {
  if (stopping_) return;  // nothing new starts once stopping; a reload would only add work
  systemd::notify("RELOADING=1");
  spdlog::info("SIGHUP: reloading {}", cfg_.file.string());
  config next;
  try {
    next = load_config(cfg_.file);
  } catch (const error& e) {
    spdlog::error("reload refused, keeping the running configuration: {}", e.what());
    metrics_.on_reload(false);
    systemd::notify("READY=1");
    update_status();
    return;
  }
  if (diff_database(cfg_.database, next.database).needs_restart)
    spdlog::warn("reload: [database] changes take effect only after a restart");
  if (diff_daemon(cfg_.daemon, next.daemon).needs_restart)
    spdlog::warn("reload: [daemon] changes take effect only after a restart");

  std::set<std::string> names;
  for (const auto& src : next.sources) {
    names.insert(src.name);
    auto it = slots_.find(src.name);
    if (it == slots_.end()) {
      add_source(src);
      spdlog::info("source '{}': added", src.name);
    } else if (it->second->removing) {
      // Removed, then restored before it went idle: take the new configuration.
      it->second->removing = false;
      it->second->pending = std::make_shared<const source_config>(src);
    } else if (!diff_source(*it->second->config, src).empty()) {
      it->second->pending = std::make_shared<const source_config>(src);
      spdlog::info("source '{}': changed; the new configuration applies once its runs finish", src.name);
    }
  }
  for (auto& [name, slot] : slots_)
    if (!names.count(name) && !slot->removing) {
      slot->removing = true;
      slot->held = false;  // start nothing new; runs in flight finish
      spdlog::info("source '{}': removed from the configuration; it is dropped once its runs finish",
                   name);
    }
  cfg_.sources = std::move(next.sources);
  leases_->set_wanted(source_names());
  metrics_.on_reload(true);
  systemd::notify("READY=1");
  update_status();
}

void supervisor::begin_stop(int sig) {
  if (stopping_) {
    spdlog::warn("signal {} again: still stopping", sig);
    return;
  }
  stopping_ = true;
  systemd::notify("STOPPING=1");
  spdlog::info("signal {}: stopping; the batch in flight commits or rolls back, leases are handed back",
               sig);
  // No new requests: in-flight ones end with `cancelled`, the connectors stop, and each run's
  // queued batches commit with their cursors (or the run fails and nothing more commits).
  for (auto& [name, slot] : slots_) slot->rt->shutdown();
  update_status();
  // The watchdog of last resort: whatever still runs at the deadline is abandoned.
  auto deadline = std::make_shared<asio::steady_timer>(io_, stop_deadline);
  deadline->async_wait([deadline](const boost::system::error_code& ec) {
    if (ec) return;
    spdlog::error("still busy {}s after the stop signal; exiting (uncommitted batches roll back)",
                  stop_deadline.count());
    std::_Exit(exit_code::ok);
  });
  finish_if_stopped();
}

void supervisor::finish_if_stopped() {
  if (!stopping_ || finished_) return;
  for (const auto& [name, slot] : slots_)
    if (!slot->idle()) return;
  finished_ = true;
  if (server_) server_->stop();
  if (signals_) signals_->cancel();
  // Leases are handed back after the writer stopped (run() continues once the loop ends); the
  // deadline timer is the only work left, so stop the loop rather than wait for it.
  io_.stop();
}

net::response supervisor::endpoint(std::string_view target) {
  auto path = target.substr(0, target.find('?'));
  net::response r;
  auto text = [&](unsigned status, std::string body) {
    r.status = status;
    r.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
    r.body = std::move(body);
  };
  if (path == "/metrics") {
    r.status = 200;
    r.headers.push_back({"Content-Type", "text/plain; version=0.0.4; charset=utf-8"});
    r.body = metrics_.render();
  } else if (path == "/healthz") {
    // Alive: the scheduler loop ticked recently (this handler runs on the same thread, so a
    // stuck thread would not answer at all) and the lease thread is not stuck.
    auto lease_age = steady::now() - leases_->last_round();
    if (lease_age > std::max<steady::duration>(std::chrono::seconds{30}, cfg_.daemon.lease_ttl * 2))
      text(503, "lease thread stuck\n");
    else
      text(200, "ok\n");
  } else if (path == "/readyz") {
    if (stopping_)
      text(503, "stopping\n");
    else if (!ready_)
      text(503, "starting\n");
    else if (!last_round_ok_)
      text(503, "database unreachable: " + redact(last_round_error_) + "\n");
    else if (auto silent = steady::now() - last_round_ok_at_; silent > ready_within())
      // A database that stops answering without closing anything fails no call for a while:
      // rounds that do not come back say it as surely as rounds that fail.
      text(503, "database not answering: no lease round completed for " +
                    std::to_string(std::chrono::duration_cast<std::chrono::seconds>(silent).count()) +
                    "s\n");
    else
      text(200, "ready\n");
  } else {
    text(404, "not found; try /metrics, /healthz or /readyz\n");
  }
  return r;
}

}  // namespace

int run_daemon(const config& cfg) {
  supervisor s(cfg);
  return s.run();
}

}  // namespace sluice::daemon
