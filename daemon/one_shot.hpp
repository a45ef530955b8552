#pragma once
// What `sync`, `backfill` and `verify` share: one run of a command that works on some sources
// once and exits. It opens the stores, takes the sources' leases as a one-shot holder (so it never
// pulls a source that a daemon or another command is pulling), stops a source whose lease is lost
// midway and every source on SIGINT/SIGTERM, runs the command's coroutines on one I/O thread with
// the rows committed by the writer thread, and tears everything down in the one safe order.
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "daemon/config.hpp"
#include "daemon/lease_keeper.hpp"
#include "daemon/source_runtime.hpp"
#include "daemon/stream_runner.hpp"
#include "store/backfill_jobs.hpp"
#include "store/batch_writer.hpp"
#include "store/state.hpp"

namespace sluice::daemon {

class one_shot {
public:
  // `command` names this process as a lease holder ("<host>:<pid>/<command>#<tag>").
  one_shot(const config& cfg, std::string command);
  one_shot(const one_shot&) = delete;
  one_shot& operator=(const one_shot&) = delete;

  // The sources the command works on, each with its runtime on this command's I/O thread.
  source_runtime& add_source(const source_config& src);
  const std::vector<std::unique_ptr<source_runtime>>& sources() const noexcept { return sources_; }

  // Migrates the schema, then opens the bookkeeping, the backfill jobs and the writer. A failure
  // is logged; the exit code is returned then.
  std::optional<int> open_stores();
  store::state& state() { return *state_; }
  store::backfill_store& jobs() { return *jobs_; }

  // The first lease round over every added source. A failed round is logged; its exit code is
  // returned then. Afterwards holds() says which sources this command may work on.
  std::optional<int> take_leases();
  const lease_round& first_round() const noexcept { return first_; }
  bool holds(const std::string& source) const { return held_.count(source) > 0; }
  // Sources held at first but lost midway (another holder took over after a pause).
  const std::set<std::string>& lost() const noexcept { return lost_; }
  // run() ended early on SIGINT/SIGTERM.
  bool stopped() const noexcept { return stopped_; }

  // One coroutine of the command's work; the context lives until run() returns.
  using task = std::function<boost::asio::awaitable<void>(run_context&)>;
  struct run_options {
    std::string stop_message;  // logged on SIGINT/SIGTERM ("signal N: " before it)
    // Close this holder's runs left 'running' (a run's end lost with the database connection).
    bool close_abandoned_runs = false;
  };
  // Runs every task to its end (or until stopped), then stops the writer, the bookkeeping
  // thread and the lease thread (handing the leases back) and ends the sources' clients.
  void run(const std::vector<task>& tasks, const run_options& options);

private:
  void watch_leases();
  void close_abandoned_runs();
  void record_objectives();

  const config& cfg_;
  std::string command_;
  // Destroyed in reverse: the lease thread (it posts to io_) first, the writer before the
  // sources its sinks came from, the loop last (everything holds its executor).
  boost::asio::io_context io_{1};
  std::vector<std::unique_ptr<source_runtime>> sources_;
  std::unique_ptr<store::state> state_;
  std::unique_ptr<store::backfill_store> jobs_;
  std::unique_ptr<store::batch_writer> writer_;
  std::unique_ptr<lease_keeper> leases_;
  lease_round first_;
  std::set<std::string> held_;  // on the I/O thread once run() started
  std::set<std::string> lost_;
  bool stopped_ = false;
};

}  // namespace sluice::daemon
