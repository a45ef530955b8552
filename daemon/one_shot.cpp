#include "daemon/one_shot.hpp"

#include <csignal>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "daemon/blocking_thread.hpp"
#include "daemon/commands.hpp"

namespace sluice::daemon {

namespace asio = boost::asio;

one_shot::one_shot(const config& cfg, std::string command)
    : cfg_(cfg), command_(std::move(command)) {}

source_runtime& one_shot::add_source(const source_config& src) {
  sources_.push_back(
      std::make_unique<source_runtime>(make_source_runtime(io_.get_executor(), src)));
  return *sources_.back();
}

std::optional<int> one_shot::open_stores() {
  try {
    migrate_schema(cfg_);
    state_ = std::make_unique<store::state>(cfg_.database);
    jobs_ = std::make_unique<store::backfill_store>(cfg_.database);
    writer_ = std::make_unique<store::batch_writer>(cfg_.database);
  } catch (const error& e) {
    spdlog::error("{}", e.what());
    return exit_code_for(e);
  }
  return std::nullopt;
}

std::optional<int> one_shot::take_leases() {
  std::vector<std::string> wanted;
  for (const auto& rt : sources_) wanted.push_back(rt->config->name);
  leases_ = std::make_unique<lease_keeper>(cfg_.database, one_shot_identity(command_),
                                           cfg_.daemon.lease_ttl, lease_keeper::mode::fixed,
                                           std::move(wanted));
  first_ = leases_->round_now();
  if (!first_.ok) {
    spdlog::error("{}", first_.error);
    return exit_code_for(error_kind::database);
  }
  held_ = first_.held;
  record_objectives();
  return std::nullopt;
}

// The freshness objectives of the sources this command holds, for the stream_latest_runs view
// (as the daemon records them): also where sluice only runs from cron. Best effort.
void one_shot::record_objectives() {
  std::vector<store::stream_objective> objectives;
  for (const auto& rt : sources_) {
    const auto& src = *rt->config;
    if (!held_.count(src.name)) continue;
    for (const auto& spec : rt->selected_streams({}))
      objectives.push_back({src.name, spec.name, src.max_staleness_of(spec.name)});
  }
  try {
    state_->set_objectives(objectives);
  } catch (const std::exception& e) {
    spdlog::warn("could not record the freshness objectives: {}", e.what());
  }
}

// A lease lost midway (this process was paused past the TTL and another took over): stop pulling
// that source. Fencing in the writer already refuses its commits.
void one_shot::watch_leases() {
  leases_->start([this](const lease_round& round) {
    if (!round.ok) return;
    asio::post(io_, [this, kept = round.held] {
      for (auto& rt : sources_) {
        const std::string& name = rt->config->name;
        if (!held_.count(name) || kept.count(name)) continue;
        held_.erase(name);
        lost_.insert(name);
        rt->shutdown();
      }
    });
  });
}

void one_shot::run(const std::vector<task>& tasks, const run_options& options) {
  watch_leases();
  // SIGINT/SIGTERM: stop fetching; batches already queued still commit with their cursors.
  asio::signal_set signals(io_, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::warn("signal {}: {}", sig, options.stop_message);
    stopped_ = true;
    for (auto& rt : sources_) rt->shutdown();
  });

  blocking_thread db;
  run_context ctx{db, *state_, *jobs_, *writer_, leases_->identity().holder};
  std::size_t remaining = tasks.size();
  for (const auto& t : tasks)
    asio::co_spawn(io_, t(ctx), [&](std::exception_ptr) {
      if (--remaining == 0) signals.cancel();
    });
  if (remaining == 0) signals.cancel();
  io_.run();

  writer_->stop();
  db.join();
  if (options.close_abandoned_runs) close_abandoned_runs();
  leases_->stop();
  for (auto& rt : sources_) rt->shutdown();
}

// A run whose end was lost with the database connection must not stay 'running'.
void one_shot::close_abandoned_runs() {
  try {
    state_->close_abandoned_runs(leases_->identity().holder);
  } catch (const std::exception& e) {
    spdlog::warn("could not close this process's unfinished runs: {}", e.what());
  }
}

}  // namespace sluice::daemon
