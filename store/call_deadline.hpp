#pragma once
// A client-side bound on one blocking database call. libpq waits for an answer as long as the
// socket stays open, and a server that is frozen (SIGSTOPped, or behind a partition that keeps
// the TCP session alive) never answers and never closes it: statement_timeout cannot fire on a
// server that does not run, and TCP keepalives are answered by its kernel. When the deadline
// passes, the connection's socket is shut down, so libpq's blocked read returns at once with a
// broken connection and the caller can tell why (expired()).
#include <chrono>
#include <cstdint>

namespace sluice::store {

class call_deadline {
public:
  // Arms the deadline for socket `fd` (a libpq connection's). A non-positive limit or fd < 0
  // arms nothing.
  call_deadline(int fd, std::chrono::milliseconds limit);
  ~call_deadline();  // disarms
  call_deadline(const call_deadline&) = delete;
  call_deadline& operator=(const call_deadline&) = delete;

  // Whether the deadline passed and the socket was shut down: the connection is unusable.
  bool expired() const;

private:
  std::uint64_t id_ = 0;
};

}  // namespace sluice::store
