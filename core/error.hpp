#pragma once
// One classification of failures, shared by every layer. A failure is classified once, where it
// happens (net/ for transport and HTTP, connectors for bad data, store for the database), and
// handled and logged once, where the stream's run ends.
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/utf8_text.hpp"

namespace sluice {

enum class error_kind {
  network,    // connection refused/reset, DNS failure, TLS failure
  timeout,    // a network step exceeded its deadline
  throttled,  // 429 after the retry budget was spent
  auth,       // 401/403: credentials rejected
  client,     // other 4xx: our request is wrong; retrying unchanged will not help
  server,     // 5xx after retries
  data,       // the answer is unusable: malformed JSON, wrong content type, oversized, missing id
  cancelled,  // shutdown in progress
  config,     // bad configuration
  database,   // PostgreSQL refused or is unreachable
};

std::string_view to_string(error_kind kind) noexcept;

// The single mapping of an HTTP status to an error kind (2xx/3xx map to `data`: a caller that
// reached here did not expect them).
error_kind classify_http_status(unsigned status) noexcept;

// Whether a failure of this kind may succeed when retried unchanged.
bool is_transient(error_kind kind) noexcept;

// What the HTTP client knows about a failed call besides its message, as values: a caller that
// acts on them (a connector quoting the vendor's words) reads them here, never out of the text.
struct request_facts {
  int attempts = 0;          // requests sent for the call (0: none, or not an HTTP call)
  std::string body_excerpt;  // the failing answer's body as the message quotes it (<= 200 bytes)
};

class error : public std::runtime_error {
public:
  // The message is made valid UTF-8 here, once: it quotes vendor bytes (an error body cut at
  // any byte) and ends up in logs and in the database, which both need valid text.
  error(error_kind kind, std::string message, unsigned http_status = 0)
      : std::runtime_error(utf8_safe(message)), kind_(kind), http_status_(http_status) {}
  // The body excerpt is made valid UTF-8 the same way, so it reads exactly as the message quotes
  // it.
  error(error_kind kind, std::string message, unsigned http_status, request_facts facts);

  error_kind kind() const noexcept { return kind_; }
  unsigned http_status() const noexcept { return http_status_; }
  int attempts() const noexcept { return facts_ ? facts_->attempts : 0; }
  const std::string& body_excerpt() const noexcept;

private:
  error_kind kind_;
  unsigned http_status_;
  // Shared, so copying the exception (which the runtime may do while throwing) cannot throw.
  std::shared_ptr<const request_facts> facts_;
};

}  // namespace sluice
