#include "tests/support/process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace sluice::test {
namespace {

pid_t spawn(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
            int& out_fd) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    setpgid(0, 0);
    for (const auto& e : extra_env) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
    _exit(127);
  }
  close(fds[1]);
  out_fd = fds[0];
  return pid;
}

}  // namespace

child::child(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env) {
  pid_ = spawn(argv, extra_env, fd_);
}

child::~child() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait(std::chrono::seconds{10});
  }
  if (fd_ >= 0) close(fd_);
}

std::optional<std::string> child::read_line(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || fd_ < 0) return std::nullopt;
    pollfd p{fd_, POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(left.count()));
    if (r <= 0) continue;
    char buf[4096];
    ssize_t n = read(fd_, buf, sizeof buf);
    if (n <= 0) {
      if (!buffer_.empty()) {
        std::string rest = std::move(buffer_);
        buffer_.clear();
        return rest;
      }
      return std::nullopt;
    }
    buffer_.append(buf, static_cast<std::size_t>(n));
  }
}

std::string child::drain() {
  std::string out = std::move(buffer_);
  buffer_.clear();
  if (fd_ < 0) return out;
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) break;
    char buf[4096];
    ssize_t n = read(fd_, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

void child::kill(int sig) {
  if (pid_ > 0 && !status_) ::kill(pid_, sig);
}

bool child::running() {
  if (status_) return false;
  int st = 0;
  rusage usage{};
  pid_t r = wait4(pid_, &st, WNOHANG, &usage);
  if (r == pid_) {
    status_ = st;
    max_rss_kb_ = usage.ru_maxrss;
    return false;
  }
  return r == 0;
}

process_result child::wait(std::chrono::seconds timeout) {
  process_result result;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    // Keep the pipe drained so a chatty child never blocks on a full pipe.
    pollfd p{fd_, POLLIN, 0};
    if (fd_ >= 0 && poll(&p, 1, 20) > 0) {
      char buf[4096];
      ssize_t n = read(fd_, buf, sizeof buf);
      if (n > 0) buffer_.append(buf, static_cast<std::size_t>(n));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds{5});
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      int st = 0;
      rusage usage{};
      wait4(pid_, &st, 0, &usage);
      status_ = st;
      max_rss_kb_ = usage.ru_maxrss;
      break;
    }
  }
  result.output = drain();
  result.max_rss_kb = max_rss_kb_;
  if (status_) {
    if (WIFEXITED(*status_)) result.exit_code = WEXITSTATUS(*status_);
    if (WIFSIGNALED(*status_)) result.signal = WTERMSIG(*status_);
  }
  return result;
}

process_result run_process(const std::vector<std::string>& argv, std::chrono::seconds timeout,
                           const std::vector<std::string>& extra_env) {
  child c(argv, extra_env);
  return c.wait(timeout);
}

}  // namespace sluice::test
