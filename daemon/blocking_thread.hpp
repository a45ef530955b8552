#pragma once
// A thread for blocking calls (libpqxx bookkeeping: cursors, sync_runs, backfill jobs), so the I/O
// thread never waits on the database: a coroutine co_awaits run(f), f runs on this thread, and the
// coroutine resumes on its own executor with f's result or exception. One thread: calls run in
// order, so the objects they use (one connection each) need no locks.
#include <type_traits>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace sluice::daemon {

class blocking_thread {
public:
  blocking_thread() : pool_(1) {}
  ~blocking_thread() { pool_.join(); }
  blocking_thread(const blocking_thread&) = delete;
  blocking_thread& operator=(const blocking_thread&) = delete;

  template <class F>
  boost::asio::awaitable<std::invoke_result_t<F>> run(F f) {
    // Named, not temporaries inside the co_await: GCC 12 destroys some temporaries of a co_await
    // expression twice (callers: capture by reference only, for the same reason).
    auto task = invoke(std::move(f));
    auto spawned =
        boost::asio::co_spawn(pool_.get_executor(), std::move(task), boost::asio::use_awaitable);
    co_return co_await std::move(spawned);
  }

  // Waits for the calls already queued, then ends the thread.
  void join() { pool_.join(); }

private:
  template <class F>
  static boost::asio::awaitable<std::invoke_result_t<F>> invoke(F f) {
    co_return f();
  }

  boost::asio::thread_pool pool_;
};

}  // namespace sluice::daemon
