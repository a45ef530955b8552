#pragma once
// Keep-alive connections of one HTTP client, per origin, with a cap on how many are open at once
// (each holds a descriptor). The pool only stores and hands out; connecting is the transport's.
#include <cstddef>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

namespace sluice::net {

struct connection;  // net/client_connection.hpp

class connection_pool : public std::enable_shared_from_this<connection_pool> {
  struct origin_slots;

public:
  // One connection slot of an origin, given back (the connection kept idle or dropped) when the
  // lease goes away, also when the coroutine holding it is destroyed.
  class lease {
  public:
    lease(std::shared_ptr<connection_pool> pool, origin_slots* slots);
    lease(lease&&) noexcept;
    lease& operator=(lease&&) = delete;
    ~lease();

    std::unique_ptr<connection> conn;  // empty: a free slot, the caller connects
    bool keep = false;                 // set after a complete answer: back to the idle list

  private:
    std::shared_ptr<connection_pool> pool_;
    origin_slots* slots_;
  };

  connection_pool(boost::asio::any_io_executor executor, std::size_t max_per_origin);
  ~connection_pool();
  connection_pool(const connection_pool&) = delete;
  connection_pool& operator=(const connection_pool&) = delete;

  // A slot for `origin`: an idle connection still fit for reuse, or a free slot to connect on.
  // Waits while every slot is taken. nullopt once the pool is shut down.
  boost::asio::awaitable<std::optional<lease>> checkout(const std::string& origin);

  // Closes idle connections now; leased ones stay with their requests.
  void close_idle();
  // Closes idle connections, wakes every waiting checkout (which then gets nullopt), and keeps
  // nothing that is given back afterwards.
  void shutdown();

private:
  struct waiter;
  void release(origin_slots& slots, std::unique_ptr<connection> conn, bool keep) noexcept;
  std::unique_ptr<connection> take_idle(origin_slots& slots);
  boost::asio::awaitable<void> wait_for_slot(origin_slots& slots);

  boost::asio::any_io_executor executor_;
  std::size_t max_per_origin_;
  std::map<std::string, origin_slots> origins_;  // node-based: leases point into it
  bool stopped_ = false;
};

}  // namespace sluice::net
