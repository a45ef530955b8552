// `sluice run`: the daemon. One I/O thread runs the scheduler, every stream's pull and the metrics
// server; the writer thread commits rows; the blocking thread does bookkeeping; the lease thread
// takes and renews leases. The loop ticks every second: it applies what waited for a source to be
// idle (daemon/source_slot.hpp), starts what is due on the sources we hold (daemon/scheduler.hpp)
// and reports health (daemon/health.hpp). The control listener's thread follows operator pauses
// (store/control_listener.hpp). This file wires them together and handles the signals.
#include <algorithm>
#include <csignal>
#include <memory>
#include <optional>

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
#include "daemon/alerting.hpp"
#include "daemon/commands.hpp"
#include "daemon/config_diff.hpp"
#include "daemon/daemon_metrics.hpp"
#include "daemon/health.hpp"
#include "daemon/lease_keeper.hpp"
#include "daemon/notify.hpp"
#include "daemon/pause_set.hpp"
#include "daemon/request_runner.hpp"
#include "daemon/scheduler.hpp"
#include "daemon/source_slot.hpp"
#include "daemon/stream_runner.hpp"
#include "net/http_server.hpp"
#include "store/backfill_jobs.hpp"
#include "store/batch_writer.hpp"
#include "store/census.hpp"
#include "store/control.hpp"
#include "store/control_listener.hpp"
#include "store/run_requests.hpp"
#include "store/state.hpp"
#include "store/verifications.hpp"

namespace sluice::daemon {
namespace {

namespace asio = boost::asio;
using steady = std::chrono::steady_clock;

constexpr auto tick = std::chrono::seconds{1};
// SIGTERM to exit: systemd's default stop timeout is 90 s, ours is 10 s. Work that has not ended
// by then is abandoned: PostgreSQL rolls back an uncommitted batch.
constexpr auto stop_deadline = std::chrono::seconds{8};

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
    spdlog::warn(
        "the descriptor limit is {} for {} source(s), which may need about {}: raise "
        "LimitNOFILE= (systemd) or ulimit -n",
        lim.rlim_cur, sources, wanted);
}

// The control reads of the listener's thread must not hold up a stop: one immediate retry of a
// lost connection, and short statements (they read a few rows).
store::database_options control_database(store::database_options db) {
  db.reconnect_for = std::chrono::milliseconds{0};
  db.statement_timeout = std::min(db.statement_timeout, std::chrono::milliseconds{5'000});
  return db;
}

class supervisor {
public:
  explicit supervisor(config cfg)
      : cfg_(std::move(cfg)),
        identity_(lease_identity_of(cfg_.daemon.instance)),
        slots_(io_.get_executor(), metrics_),
        health_(cfg_.daemon, metrics_, slots_) {}

  int run();

private:
  std::optional<int> open_stores();
  std::optional<int> serve();
  void take_leases();
  void listen_for_control();
  void apply_pauses(std::vector<store::stream_pause> pauses);
  void handle_signals();
  void wait_for_signal();
  void shut_down();

  asio::awaitable<void> loop();
  void on_tick();
  void on_lease_round(const lease_round& round);
  std::vector<store::stream_objective> held_streams();
  void sweep_abandoned_runs();

  void reload();
  void begin_stop(int sig);
  void finish_if_stopped();

  config cfg_;
  store::lease_identity identity_;
  asio::io_context io_{1};
  daemon_metrics metrics_;
  source_slots slots_;
  health health_;

  std::unique_ptr<store::state> state_;
  std::unique_ptr<store::backfill_store> jobs_;
  std::unique_ptr<store::batch_writer> writer_;
  std::unique_ptr<blocking_thread> db_;
  std::unique_ptr<run_context> ctx_;
  std::unique_ptr<store::verification_store> journal_;
  std::unique_ptr<store::census> census_;
  std::unique_ptr<verify_context> vctx_;
  std::unique_ptr<alerting> alerting_;
  std::unique_ptr<scheduler> scheduler_;
  std::unique_ptr<lease_keeper> leases_;
  std::unique_ptr<net::http_server> server_;
  std::unique_ptr<asio::signal_set> signals_;
  pause_set pauses_;
  std::unique_ptr<store::control> control_;
  std::unique_ptr<store::control_listener> listener_;
  std::unique_ptr<store::run_requests> requests_;  // on db_'s thread
  std::unique_ptr<request_runner> runner_;

  steady::time_point leases_valid_until_{};
  bool finished_ = false;
};

std::optional<int> supervisor::open_stores() {
  try {
    migrate_schema(cfg_);
    state_ = std::make_unique<store::state>(cfg_.database);
    jobs_ = std::make_unique<store::backfill_store>(cfg_.database);
    store::writer_options wo;
    wo.on_commit = [this](const store::commit_report& r) { metrics_.on_commit(r); };
    writer_ = std::make_unique<store::batch_writer>(cfg_.database, wo);
    journal_ = std::make_unique<store::verification_store>(cfg_.database);
    census_ = std::make_unique<store::census>(cfg_.database);
    control_ = std::make_unique<store::control>(control_database(cfg_.database));
    requests_ = std::make_unique<store::run_requests>(cfg_.database);
    // Before the first tick: a stream paused before this start never runs, not even once.
    pauses_ = pause_set(control_->list_pauses());
  } catch (const error& e) {
    spdlog::error("{}", e.what());
    return exit_code_for(e);
  }
  db_ = std::make_unique<blocking_thread>();
  ctx_ = std::make_unique<run_context>(
      run_context{*db_, *state_, *jobs_, *writer_, identity_.holder, true});
  vctx_ = std::make_unique<verify_context>(verify_context{*ctx_, *journal_, *census_});
  alerting_ = std::make_unique<alerting>(io_.get_executor(), cfg_.alerts, identity_.holder,
                                         cfg_.daemon.lease_ttl, metrics_, *db_, *state_, pauses_);
  scheduler_ = std::make_unique<scheduler>(io_, *ctx_, *vctx_, metrics_, *alerting_, health_,
                                           pauses_, [this] { finish_if_stopped(); });
  runner_ = std::make_unique<request_runner>(io_, *db_, *requests_, identity_.holder, slots_);
  scheduler_->observe_runs(
      [this](source_slot& slot, const std::string& stream, std::uint64_t run,
             const stream_result& result) { runner_->on_run_end(slot, stream, run, result); });
  return std::nullopt;
}

std::optional<int> supervisor::serve() {
  auto listen = parse_listen(cfg_.daemon.listen);
  if (!listen) return std::nullopt;
  try {
    net::server_options so;
    so.host = listen->host;
    so.port = listen->port;
    server_ = std::make_unique<net::http_server>(
        io_.get_executor(), so,
        [this](std::string_view target) { return health_.endpoint(target); });
    spdlog::info(
        "serving /metrics, /healthz and /readyz on http://{}:{}",
        listen->host.find(':') != std::string::npos ? "[" + listen->host + "]" : listen->host,
        server_->local_port());
  } catch (const error& e) {
    // Whatever the failure, it is the `listen` setting's to fix.
    spdlog::error("{}", e.what());
    return exit_code::config;
  }
  return std::nullopt;
}

void supervisor::take_leases() {
  leases_ = std::make_unique<lease_keeper>(cfg_.database, identity_, cfg_.daemon.lease_ttl,
                                           lease_keeper::mode::shared, slots_.names());
  health_.watch(*leases_);
  // The first lease round before READY=1: systemd and /readyz then mean "working".
  on_lease_round(leases_->round_now());
  leases_->start([this](const lease_round& round) {
    asio::post(io_, [this, round] { on_lease_round(round); });
  });
}

// Every notification on the control channel, and every 5 s anyway, the pauses are read on the
// listener's thread and handed to the I/O thread, where the scheduler sees them at its next tick:
// a pause is honoured within a second of its commit. Run requests of `sluice sync` are claimed
// on the same occasions (a pause alone does not need a look).
void supervisor::listen_for_control() {
  listener_ = std::make_unique<store::control_listener>(
      control_database(cfg_.database), [this](const std::string& payload) {
        // Another sluice schema in the same database changed something: not ours to re-read.
        if (!payload.empty() && !payload.ends_with(" " + cfg_.database.schema)) return;
        if (!payload.starts_with(std::string(store::control_change_pause) + " "))
          asio::post(io_, [this] {
            if (!health_.stopping()) runner_->look();
          });
        try {
          auto pauses = control_->list_pauses();
          asio::post(io_, [this, pauses = std::move(pauses)]() mutable {
            apply_pauses(std::move(pauses));
          });
        } catch (const std::exception& e) {
          spdlog::debug("could not read the paused streams: {}", e.what());
        }
      });
}

void supervisor::apply_pauses(std::vector<store::stream_pause> pauses) {
  const pause_set next(std::move(pauses));
  for (const auto& [name, slot] : slots_.all())
    for (const auto& st : slot->streams) {
      const bool was = pauses_.paused(name, st.spec.name);
      const auto* now = next.find(name, st.spec.name);
      if (now && !was)
        spdlog::info("{}/{}: paused by {}{}{}", name, st.spec.name, now->paused_by,
                     now->reason.empty() ? "" : ": ", now->reason);
      else if (!now && was)
        spdlog::info("{}/{}: resumed", name, st.spec.name);
    }
  pauses_ = next;
}

void supervisor::handle_signals() {
  signals_ = std::make_unique<asio::signal_set>(io_, SIGINT, SIGTERM, SIGHUP);
  wait_for_signal();
}

void supervisor::wait_for_signal() {
  signals_->async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      reload();
    } else {
      begin_stop(sig);
    }
    if (!finished_) wait_for_signal();
  });
}

int supervisor::run() {
  if (auto failed = open_stores()) return *failed;
  for (const auto& src : cfg_.sources) slots_.add(src);
  raise_descriptor_limit(slots_.size());
  if (auto failed = serve()) return *failed;
  listen_for_control();
  take_leases();
  handle_signals();

  health_.become_ready();
  spdlog::info("sluice run: instance '{}', {} source(s) configured, lease ttl {}s",
               identity_.holder, slots_.size(), cfg_.daemon.lease_ttl.count());
  sweep_abandoned_runs();
  asio::co_spawn(io_, loop(), asio::detached);
  io_.run();
  shut_down();
  return exit_code::ok;
}

// The loop ended: everything in flight finished or was abandoned at the deadline.
void supervisor::shut_down() {
  writer_->stop();
  db_->join();
  // Runs abandoned at the stop deadline must not stay 'running'. Skipped when the database is
  // not answering: a stop must not wait for it.
  if (health_.last_round_ok()) {
    try {
      state_->close_abandoned_runs(identity_.holder);
    } catch (const std::exception& e) {
      spdlog::warn("could not close this process's unfinished runs: {}", e.what());
    }
  }
  leases_->stop();
  listener_->stop();
  spdlog::info("sluice run: stopped");
}

asio::awaitable<void> supervisor::loop() {
  asio::steady_timer timer(io_);
  while (!health_.stopping()) {
    on_tick();
    timer.expires_after(tick);
    co_await timer.async_wait(asio::use_awaitable);
  }
}

void supervisor::on_tick() {
  const auto now = steady::now();
  // Leases we could not confirm in time are given up before they can lapse: another instance
  // may take the source once the database says it expired.
  if (now > leases_valid_until_) {
    for (const auto& [name, slot] : slots_.all())
      if (slot->held) alerting_->on_lease_lost(name, "it could not be renewed in time");
    slots_.lose_all("its lease could not be renewed in time");
  }
  for (const auto& slot : slots_.settle())
    if (slot->held) scheduler_->schedule_verify(slot);
  runner_->on_tick();
  for (const auto& [name, slot] : slots_.all()) scheduler_->start_due(slot, now);
  leases_->set_busy(slots_.busy());
  alerting_->on_tick(held_streams());
  if (health_.on_tick(now)) sweep_abandoned_runs();
}

std::vector<store::stream_objective> supervisor::held_streams() {
  std::vector<store::stream_objective> out;
  for (const auto& [name, slot] : slots_.all()) {
    if (!slot->held || slot->removing) continue;
    for (const auto& st : slot->streams)
      out.push_back({name, st.spec.name, slot->config->max_staleness_of(st.spec.name)});
  }
  return out;
}

void supervisor::on_lease_round(const lease_round& round) {
  health_.on_lease_round(round);
  if (!round.ok) {
    health_.update_status();
    return;
  }
  leases_valid_until_ = round.valid_until;
  scheduler_->set_jobs(round.jobs);
  const auto now = steady::now();
  bool taken = false;
  for (const auto& [name, slot] : slots_.all()) {
    bool held = round.held.count(name) > 0 && !slot->removing;
    if (slot->held && !held) {
      if (!slot->removing && !round.released.count(name))
        alerting_->on_lease_lost(name,
                                 "another process holds it or it expired (see the lease lines)");
      slots_.lose(*slot, "its lease was handed over or lost (see the lease lines)");
    }
    const bool draining = held && round.draining.count(name) > 0;
    if (draining && !slot->draining)
      spdlog::info("source '{}': starting no new run, to hand it over once idle (sharing)", name);
    slot->draining = draining;
    if (!slot->held && held) {
      slot->held = true;
      taken = true;
      scheduler_->on_taken(slot, now);
      spdlog::info("source '{}': pulling (lease held)", name);
    }
    metrics_.set_lease(name, slot->held);
    metrics_.set_configured(name, slot->config->kind);
  }
  alerting_->on_lease_round(round.held);
  // Requests waiting for these sources (their holder died, or none held them) run now.
  if (taken && !health_.stopping()) runner_->look();
  health_.update_status();
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

void supervisor::reload() {
  if (health_.stopping()) return;  // nothing new starts once stopping; a reload would only add work
  systemd::notify("RELOADING=1");
  spdlog::info("SIGHUP: reloading {}", cfg_.file.string());
  config next;
  try {
    next = load_config(cfg_.file);
  } catch (const error& e) {
    spdlog::error("reload refused, keeping the running configuration: {}", e.what());
    metrics_.on_reload(false);
    systemd::notify("READY=1");
    health_.update_status();
    return;
  }
  if (diff_database(cfg_.database, next.database).needs_restart)
    spdlog::warn("reload: [database] changes take effect only after a restart");
  if (diff_daemon(cfg_.daemon, next.daemon).needs_restart)
    spdlog::warn("reload: [daemon] changes take effect only after a restart");
  if (diff_alerts(cfg_.alerts, next.alerts).needs_restart)
    spdlog::warn("reload: [alerts] changes take effect only after a restart");
  slots_.reload(next.sources);
  cfg_.sources = std::move(next.sources);
  leases_->set_wanted(slots_.names());
  metrics_.on_reload(true);
  systemd::notify("READY=1");
  health_.update_status();
}

void supervisor::begin_stop(int sig) {
  if (health_.stopping()) {
    spdlog::warn("signal {} again: still stopping", sig);
    return;
  }
  health_.set_phase(health::phase::stopping);
  systemd::notify("STOPPING=1");
  alerting_->shutdown();
  spdlog::info(
      "signal {}: stopping; the batch in flight commits or rolls back, leases are handed back",
      sig);
  // No new requests: in-flight ones end with `cancelled`, the connectors stop, and each run's
  // queued batches commit with their cursors (or the run fails and nothing more commits).
  slots_.shutdown_all();
  health_.update_status();
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
  if (!health_.stopping() || finished_ || !slots_.all_idle()) return;
  finished_ = true;
  if (server_) server_->stop();
  if (signals_) signals_->cancel();
  // Leases are handed back after the writer stopped (run() continues once the loop ends); the
  // deadline timer is the only work left, so stop the loop rather than wait for it.
  io_.stop();
}

}  // namespace

int run_daemon(const config& cfg) {
  supervisor s(cfg);
  return s.run();
}

}  // namespace sluice::daemon
