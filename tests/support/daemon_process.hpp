#pragma once
// `sluice run` as a child process for integration tests, with its output collected by a reader
// thread, and a polling helper whose limits only bound a broken test.
#include <chrono>
#include <csignal>
#include <functional>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/process.hpp"

namespace sluice::test {

using namespace std::chrono_literals;

// Polls `ready` until it holds or `limit` passes. Generous limits: they bound a broken test, the
// assertions never depend on speed.
inline bool eventually(const std::function<bool()>& ready, std::chrono::seconds limit = 60s) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (ready()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return ready();
}

// A `sluice run` child whose output is collected by a reader thread.
class daemon_process {
public:
  // `wrapper` runs it, e.g. {"unshare", "--pid", ...}: argv is wrapper + sluice run -c config.
  daemon_process(const std::string& config, const std::vector<std::string>& env = {},
                 std::vector<std::string> wrapper = {})
      : child_(with_wrapper(std::move(wrapper), config), env) {
    reader_ = std::thread([this] {
      while (auto line = child_.read_line(60min)) {
        std::lock_guard lock(mutex_);
        log_ += *line + "\n";
      }
    });
  }
  ~daemon_process() {
    if (child_.running()) child_.kill(SIGKILL);
    if (reader_.joinable()) reader_.join();
    child_.wait(30s);
  }

  // The metrics port, from "serving ... on http://127.0.0.1:PORT".
  int port() {
    int found = 0;
    bool ok = eventually([&] {
      std::lock_guard lock(mutex_);
      std::smatch m;
      static const std::regex re("serving /metrics.* on http://127\\.0\\.0\\.1:(\\d+)");
      if (std::regex_search(log_, m, re)) found = std::stoi(m[1]);
      return found != 0;
    });
    EXPECT_TRUE(ok) << log();
    return found;
  }
  std::string log() {
    std::lock_guard lock(mutex_);
    return log_;
  }
  bool logged(const std::string& text) { return log().find(text) != std::string::npos; }
  void kill(int sig) { child_.kill(sig); }
  pid_t pid() const { return child_.pid(); }
  // Waits for the exit; returns the exit code (-1 when killed by a signal).
  int wait_exit(std::chrono::seconds limit = 30s) {
    // The reader owns the output: let it see EOF before the exit status is collected.
    bool exited = eventually([&] { return !child_.running(); }, limit);
    if (!exited) child_.kill(SIGKILL);
    if (reader_.joinable()) reader_.join();
    auto r = child_.wait(limit);
    return exited ? r.exit_code : -2;
  }

private:
  static std::vector<std::string> with_wrapper(std::vector<std::string> argv,
                                               const std::string& config) {
    argv.insert(argv.end(), {SLUICE_BINARY, "run", "-c", config});
    return argv;
  }

  child child_;
  std::mutex mutex_;
  std::string log_;
  std::thread reader_;
};

}  // namespace sluice::test
