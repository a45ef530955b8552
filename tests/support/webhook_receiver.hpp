#pragma once
// A webhook receiver on 127.0.0.1 for the alerting tests: records every POST body, answers with
// a chosen status after a chosen delay, and can start down (nothing listens on its port) and
// come up later on the same port. One connection at a time, `Connection: close`: enough for one
// sender.
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sluice::test {

class webhook_receiver {
public:
  explicit webhook_receiver(bool up = true);  // on an ephemeral port
  ~webhook_receiver();
  webhook_receiver(const webhook_receiver&) = delete;
  webhook_receiver& operator=(const webhook_receiver&) = delete;

  int port() const { return port_; }
  std::string url(const std::string& path) const;

  void come_up();  // listens again on the same port
  void answer_with(unsigned status, std::chrono::milliseconds delay = {});

  std::vector<std::string> bodies() const;    // requests answered 2xx, in order of arrival
  int requests() const { return requests_; }  // every request received, whatever the answer

private:
  void listen_on(int port, bool listening = true);
  void loop();
  void serve(int fd);

  int listen_fd_ = -1;
  int port_ = 0;
  bool listening_ = false;  // loop thread only (after construction)
  std::atomic<unsigned> status_{200};
  std::atomic<long> delay_ms_{0};
  std::atomic<int> requests_{0};
  std::atomic<bool> stop_{false};
  std::atomic<bool> down_{false};
  mutable std::mutex mutex_;
  std::vector<std::string> bodies_;
  std::thread thread_;
};

}  // namespace sluice::test
