#pragma once
// Child processes for integration tests: the real sluice and sluice-fakeapi binaries.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace sluice::test {

struct process_result {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string output;   // stdout and stderr interleaved
  long max_rss_kb = 0;  // the child's peak resident set size
};

// Runs to completion (killed after `timeout`), capturing output.
process_result run_process(const std::vector<std::string>& argv,
                           std::chrono::seconds timeout = std::chrono::seconds{300},
                           const std::vector<std::string>& extra_env = {});

// A child running in the background; its stdout+stderr go to a pipe read line by line.
class child {
public:
  child(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env = {});
  ~child();  // SIGKILL + wait if still running
  child(const child&) = delete;
  child& operator=(const child&) = delete;

  // Next output line, or nullopt at EOF/timeout.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  std::string drain();  // whatever output is buffered or arrives until EOF (after exit)
  void kill(int sig);
  process_result wait(std::chrono::seconds timeout = std::chrono::seconds{60});
  bool running();
  pid_t pid() const { return pid_; }

private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string buffer_;
  std::optional<int> status_;
  long max_rss_kb_ = 0;
};

}  // namespace sluice::test
