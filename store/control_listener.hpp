#pragma once
// Listens for control changes (store/control.hpp's channel) on a connection of its own, on a thread
// of its own, and calls `wake` for each notification (with its payload) and also every
// `reread_every` and after each (re)connection with an empty payload: a NOTIFY sent while the
// connection was down is lost, so the periodic call is what makes a missed change arrive anyway.
// `wake` runs on the listener's thread; it may block (e.g. read the pauses) but should be short.
#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "store/database.hpp"

namespace sluice::store {

class control_listener {
public:
  using wake_fn = std::function<void(const std::string& payload)>;

  // Starts the thread; a database that is away is retried every second, silently after the first
  // warning.
  control_listener(database_options db, wake_fn wake,
                   std::chrono::milliseconds reread_every = std::chrono::seconds{5});
  ~control_listener();  // stop()
  control_listener(const control_listener&) = delete;
  control_listener& operator=(const control_listener&) = delete;

  // Ends the thread within about a quarter of a second (after a `wake` in progress returns).
  void stop();

private:
  void loop();
  bool listen_once();  // one connection's life; false when stopping

  database_options db_;
  wake_fn wake_;
  std::chrono::milliseconds reread_every_;
  std::atomic<bool> stopping_{false};
  bool warned_ = false;
  std::thread thread_;
};

}  // namespace sluice::store
