#pragma once
// Runs one coroutine to completion on a private io_context and returns its result (or rethrows),
// so unit tests can drive connector loops without threads or a network.
#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

namespace sluice::test {

template <class T>
T run_sync(boost::asio::awaitable<T> task) {
  boost::asio::io_context io;
  std::optional<T> result;
  std::exception_ptr failure;
  boost::asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T value) {
    failure = e;
    if (!e) result = std::move(value);
  });
  io.run();
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

inline void run_sync(boost::asio::awaitable<void> task) {
  boost::asio::io_context io;
  std::exception_ptr failure;
  boost::asio::co_spawn(io, std::move(task), [&](std::exception_ptr e) { failure = e; });
  io.run();
  if (failure) std::rethrow_exception(failure);
}

// Runs `task` on `io`, which may carry other work (servers under test), until the task finishes,
// then stops `io`. Bounded, so a bug cannot hang the suite: throws if the task has not finished
// after `limit`; rethrows the task's exception.
inline void run_on(boost::asio::io_context& io, boost::asio::awaitable<void> task,
                   std::chrono::seconds limit = std::chrono::seconds{60}) {
  std::exception_ptr failure;
  bool done = false;
  io.restart();
  boost::asio::co_spawn(io, std::move(task), [&](std::exception_ptr e) {
    failure = e;
    done = true;
    io.stop();
  });
  io.run_for(limit);
  if (!done) throw std::runtime_error("the test coroutine did not finish");
  if (failure) std::rethrow_exception(failure);
}

}  // namespace sluice::test
