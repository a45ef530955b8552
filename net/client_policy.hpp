#pragma once
// The HTTP client's policies: small steps around each attempt (credentials, the source's budget,
// Retry-After, retries, metrics), chained in a fixed order like middlewares. Each policy sees one
// call through the hooks it needs; the client runs the chain, the transport sends. Private to net/.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "core/error.hpp"
#include "core/run_counters.hpp"
#include "net/http.hpp"
#include "net/response_reader.hpp"

namespace sluice::net {

// One send(): the request and what the policies note about it from attempt to attempt (one
// call at a time per coroutine, so plain fields).
struct client_call {
  const request& req;
  const std::string& what;  // "<source>: GET <url without query>", the start of every message
  run_counters* counters;   // may be null
  const bool& stopped;      // the client was shut down
  int attempts = 0;         // sent so far
  bool renewed = false;     // credentials were renewed once (auth): a second 401 is final
  int failures = 0;         // failed attempts other than 429s (retry)
  int throttles = 0;        // 429s (retry)
  // Time spent waiting for the source's rate budget since the observer last reported.
  std::chrono::steady_clock::duration budget_wait{};
};

// What one attempt ended with: an answer (any status) or a transport failure, classified.
struct attempt_outcome {
  std::optional<received_answer> answer;
  unsigned status = 0;  // 0: no answer
  error_kind kind = error_kind::data;
  std::string why;         // the failure in words: status summary or transport failure
  bool permanent = false;  // retrying cannot help
  std::optional<std::chrono::milliseconds> retry_after;

  // What the message quotes of the body: the vendor's words, kept as a field of the error.
  std::string body_excerpt() const;
};

enum class verdict {
  next,    // this policy is done with the failed attempt: the next one in the chain decides
  resend,  // send again at once; not a failed attempt (renewed credentials)
};

class client_policy {
public:
  virtual ~client_policy() = default;
  // Before each attempt: may wait (budget) or refuse the call by throwing sluice::error.
  virtual boost::asio::awaitable<void> admit(client_call& call);
  // Adjusts the attempt's copy of the request (credentials).
  virtual void prepare(client_call& call, request& attempt);
  // Every attempt, as soon as it ended, before anything acts on it.
  virtual void observe(client_call& call, const attempt_outcome& outcome);
  // A usable 2xx answer: the call succeeds.
  virtual void on_success(client_call& call);
  // A failed attempt: may throw to end the call, wait, or ask for an immediate resend.
  virtual boost::asio::awaitable<verdict> on_failure(client_call& call, attempt_outcome& outcome);
};

// The error a call ends with, carrying its attempt count and the body excerpt as fields.
error call_error(const client_call& call, error_kind kind, std::string message, unsigned status = 0,
                 std::string body_excerpt = {});

// The client was shut down while the call waited or between its attempts.
error cancelled_error(const client_call& call);

// Waits `d` on the current coroutine's executor; cancellation (the coroutine's cancellation
// slot) ends the wait early, which the caller notices through call.stopped.
boost::asio::awaitable<void> pause_for(std::chrono::steady_clock::duration d);

// The wall-clock time `ahead` from now, to the second, for "retry after ..." messages.
std::string wall_time_in(std::chrono::steady_clock::duration ahead);

}  // namespace sluice::net
