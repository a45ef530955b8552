#include "net/client_pool.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "net/client_connection.hpp"

namespace sluice::net {
namespace {

namespace asio = boost::asio;

// A keep-alive connection idle longer than this is closed instead of reused: servers drop idle
// connections after a while, and a fresh connect is cheaper than a failed write plus a retry.
constexpr auto max_idle_age = std::chrono::seconds{30};

}  // namespace

struct connection_pool::waiter {
  asio::steady_timer timer;
  bool notified = false;  // woken by a release or shutdown, and already off the queue
};

struct connection_pool::origin_slots {
  std::vector<std::unique_ptr<connection>> idle;  // most recently used last
  std::size_t open = 0;                           // idle + leased
  std::list<waiter*> waiters;                     // checkouts waiting for a free slot
};

connection_pool::lease::lease(std::shared_ptr<connection_pool> pool, origin_slots* slots)
    : pool_(std::move(pool)), slots_(slots) {}

connection_pool::lease::lease(lease&& other) noexcept
    : conn(std::move(other.conn)),
      keep(other.keep),
      pool_(std::move(other.pool_)),
      slots_(other.slots_) {}

connection_pool::lease::~lease() {
  if (pool_) pool_->release(*slots_, std::move(conn), keep);
}

connection_pool::connection_pool(asio::any_io_executor executor, std::size_t max_per_origin)
    : executor_(std::move(executor)), max_per_origin_(std::max<std::size_t>(1, max_per_origin)) {}

connection_pool::~connection_pool() = default;

void connection_pool::release(origin_slots& slots, std::unique_ptr<connection> conn,
                              bool keep) noexcept {
  if (conn && keep && !stopped_ && conn->is_open()) {
    conn->reused = true;
    conn->idle_since = std::chrono::steady_clock::now();
    conn->lowest().expires_never();
    slots.idle.push_back(std::move(conn));
  } else {
    if (conn) conn->close();
    --slots.open;
  }
  if (!slots.waiters.empty()) {
    auto* next = slots.waiters.front();
    slots.waiters.pop_front();
    next->notified = true;
    next->timer.cancel();
  }
}

std::unique_ptr<connection> connection_pool::take_idle(origin_slots& slots) {
  while (!slots.idle.empty()) {
    auto conn = std::move(slots.idle.back());
    slots.idle.pop_back();
    if (conn->is_open() && std::chrono::steady_clock::now() - conn->idle_since < max_idle_age)
      return conn;
    conn->close();
    --slots.open;
  }
  return nullptr;
}

asio::awaitable<void> connection_pool::wait_for_slot(origin_slots& slots) {
  waiter w{asio::steady_timer(executor_, asio::steady_timer::time_point::max())};
  auto it = slots.waiters.insert(slots.waiters.end(), &w);
  // Also when the wait ends by cancellation or the frame is destroyed: never leave a dangling
  // pointer in the queue.
  struct unlink {
    origin_slots& slots;
    waiter& w;
    std::list<waiter*>::iterator it;
    ~unlink() {
      if (!w.notified) slots.waiters.erase(it);
    }
  } guard{slots, w, it};
  co_await w.timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<std::optional<connection_pool::lease>> connection_pool::checkout(
    const std::string& origin) {
  auto& slots = origins_[origin];
  for (;;) {
    if (stopped_) co_return std::nullopt;
    if (auto conn = take_idle(slots)) {
      lease l(shared_from_this(), &slots);
      l.conn = std::move(conn);
      co_return l;
    }
    if (slots.open < max_per_origin_) {
      ++slots.open;
      co_return lease(shared_from_this(), &slots);
    }
    co_await wait_for_slot(slots);
  }
}

void connection_pool::close_idle() {
  for (auto& [origin, slots] : origins_) {
    for (auto& conn : slots.idle) conn->close();
    slots.open -= slots.idle.size();
    slots.idle.clear();
  }
}

void connection_pool::shutdown() {
  stopped_ = true;
  close_idle();
  for (auto& [origin, slots] : origins_) {
    for (auto* w : slots.waiters) {
      w->notified = true;
      w->timer.cancel();
    }
    slots.waiters.clear();
  }
}

}  // namespace sluice::net
