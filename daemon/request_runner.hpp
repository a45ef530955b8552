#pragma once
// The daemon's side of `sluice sync` against a source it holds (store/run_requests.hpp): claims
// the open requests of the sources held, marks their streams requested (the scheduler starts them
// as soon as they are free, daemon/scheduler.hpp), collects each stream's outcome from the first
// run that starts after the claim, and records the request done with the exit code `sync` would
// have had. A request whose source is lost, or whose runs were interrupted (a stop, a lost lease),
// is handed back pending for the next holder. Everything on the I/O thread; the database calls
// run on the bookkeeping thread.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "daemon/blocking_thread.hpp"
#include "daemon/source_slot.hpp"
#include "daemon/stream_runner.hpp"
#include "store/run_requests.hpp"

namespace sluice::daemon {

class request_runner {
public:
  request_runner(boost::asio::io_context& io, blocking_thread& db, store::run_requests& store,
                 std::string holder, source_slots& slots);

  // Claims the open requests of the sources held now (a control notification, the periodic
  // re-read, a source just taken). Looks that arrive while one is in flight make one more.
  void look();
  // Every tick: requests of sources no longer ours are handed back once none of their runs is in
  // flight.
  void on_tick();
  // A live run ended (scheduler::observe_runs).
  void on_run_end(source_slot& slot, const std::string& stream, std::uint64_t run,
                  const stream_result& result);

private:
  struct active {
    store::run_request request;
    slot_ptr slot;
    std::map<std::string, std::uint64_t> waiting;  // stream -> its starts when claimed
    std::vector<store::request_stream_outcome> outcomes;
    bool interrupted = false;
  };

  boost::asio::awaitable<void> claim();
  void accept(store::run_request request);
  void complete(std::int64_t id);
  boost::asio::awaitable<void> record(active done);
  bool in_flight(const active& a) const;
  void drop_removed_streams(active& a);
  std::vector<std::int64_t> ours() const;

  boost::asio::io_context& io_;
  blocking_thread& db_;
  store::run_requests& store_;
  std::string holder_;
  source_slots& slots_;
  std::map<std::int64_t, active> active_;
  std::set<std::int64_t> recording_;  // done here, the outcome not yet committed
  bool looking_ = false;
  bool look_again_ = false;
};

}  // namespace sluice::daemon
