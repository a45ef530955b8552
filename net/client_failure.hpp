#pragma once
// A transport failure (resolve, connect, TLS, write, read), carried from where it happens up to
// the one place that classifies and words it.
#include <chrono>
#include <cstddef>
#include <exception>
#include <string>

#include <boost/system/error_code.hpp>

#include "core/error.hpp"
#include "net/client_target.hpp"
#include "net/timeouts.hpp"

namespace sluice::net {

// `tunnel`: the CONNECT exchange with a proxy (net/proxy_tunnel), between connect and handshake.
enum class step { resolve, connect, tunnel, handshake, write, read };

struct transport_failure : std::exception {
  transport_failure(step where_, boost::system::error_code ec_, bool got_bytes_ = false,
                    std::string detail_ = {})
      : where(where_), ec(ec_), got_bytes(got_bytes_), detail(std::move(detail_)) {}
  const char* what() const noexcept override { return "transport failure"; }

  step where;
  boost::system::error_code ec;
  bool got_bytes;          // part of a response arrived before the failure
  std::string detail;      // a better explanation than ec.message(), when there is one
  bool permanent = false;  // retrying cannot help (a certificate that does not verify)
  // "host:port" of the proxy the connection goes through (empty: direct). Resolve, connect and
  // tunnel failures are then the proxy's, and every message names it.
  std::string proxy;
};

// Throws transport_failure when `ec` is set, or when the client was shut down meanwhile (the
// operation may have completed anyway, but its caller is gone).
void check_step(step where, const boost::system::error_code& ec, bool stopped,
                bool got_bytes = false);

// THE mapping of transport errors to error kinds (a proxy's refusal of CONNECT included:
// net/proxy_tunnel).
error_kind classify_transport(const boost::system::error_code& ec, bool stopped) noexcept;

// Whether the error is a deadline: a timed-out step is never mistaken for a stale connection.
bool is_timeout(const boost::system::error_code& ec) noexcept;

// The failure in words for the error message, naming the step, the endpoint and the deadline.
std::string describe(const transport_failure& f, const target& t, const timeouts& limits,
                     std::size_t body_limit);

}  // namespace sluice::net
