#pragma once
// A TCP proxy on 127.0.0.1 between sluice and PostgreSQL, for database faults that must not
// touch the shared test server: `freeze` stops every byte while keeping every connection open
// (a SIGSTOPped server or a partitioned host: nothing is refused, nothing answers), `cut` drops
// every connection and refuses new ones (a server restarting), `restore` goes back to normal.
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sluice::test {

class tcp_proxy {
public:
  tcp_proxy(std::string target_host, int target_port);
  ~tcp_proxy();
  tcp_proxy(const tcp_proxy&) = delete;
  tcp_proxy& operator=(const tcp_proxy&) = delete;

  int port() const { return port_; }
  // `database_url` (postgresql://user:pw@host:port/db) with host and port replaced by ours.
  std::string url_through(const std::string& database_url) const;

  void freeze();
  void cut();
  void restore();

private:
  enum class mode { forward, frozen, cut };
  struct pair {
    int client = -1, server = -1;
  };
  void loop();
  void close_pairs();
  bool connect_pending();
  bool pump(int from, int to);

  std::string host_;
  int target_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<mode> mode_{mode::forward};
  std::atomic<bool> stop_{false};
  std::vector<pair> pairs_;   // loop thread only
  std::vector<int> pending_;  // accepted while frozen: connected upstream on restore
  std::thread thread_;
};

}  // namespace sluice::test
