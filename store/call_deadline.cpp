#include "store/call_deadline.hpp"

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <sys/socket.h>

namespace sluice::store {
namespace {

using steady = std::chrono::steady_clock;

// One thread for the whole process sleeps until the earliest armed deadline. Deadlines are armed
// and disarmed once per call, which a map under one mutex serves well at sluice's call rates.
class reaper {
public:
  std::uint64_t arm(int fd, steady::time_point when) {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
    const std::uint64_t id = ++last_id_;
    armed_.emplace(id, entry{fd, when});
    wake_.notify_one();
    return id;
  }

  void disarm(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    armed_.erase(id);
    fired_.erase(id);
  }

  bool fired(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    return fired_.count(id) > 0;
  }

private:
  struct entry {
    int fd;
    steady::time_point when;
  };

  void loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
      auto next = steady::time_point::max();
      for (auto it = armed_.begin(); it != armed_.end();) {
        if (it->second.when <= steady::now()) {
          // The fd stays open (its owner closes it), so it cannot be reused under us; shutdown
          // only makes the blocked read return.
          ::shutdown(it->second.fd, SHUT_RDWR);
          fired_.insert(it->first);
          it = armed_.erase(it);
        } else {
          next = std::min(next, it->second.when);
          ++it;
        }
      }
      if (next == steady::time_point::max())
        wake_.wait(lock);
      else
        wake_.wait_until(lock, next);
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::uint64_t, entry> armed_;
  std::set<std::uint64_t> fired_;
  std::uint64_t last_id_ = 0;
  std::thread thread_;
};

// Never destroyed: the thread sleeps until the process ends, and no deadline may outlive it.
reaper& the_reaper() {
  static reaper* instance = new reaper;
  return *instance;
}

}  // namespace

call_deadline::call_deadline(int fd, std::chrono::milliseconds limit) {
  if (fd >= 0 && limit.count() > 0) id_ = the_reaper().arm(fd, steady::now() + limit);
}

call_deadline::~call_deadline() {
  if (id_ != 0) the_reaper().disarm(id_);
}

bool call_deadline::expired() const { return id_ != 0 && the_reaper().fired(id_); }

}  // namespace sluice::store
