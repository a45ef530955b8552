#pragma once
// Injected failures, so clients' retry, backoff and parsing paths can be exercised on demand.
#include <boost/json/object.hpp>

#include <cstdint>
#include <string>

namespace sluice::fakeapi {

// Every `*_every` counts API requests since the configuration was last set; 0 disables it.
struct fault_config {
  std::uint64_t throttle_every = 0;
  std::string retry_after = "1";  // sent verbatim: seconds or an HTTP-date
  std::uint64_t error_every = 0;
  unsigned error_status = 503;
  std::uint64_t slow_ms = 0;
  std::uint64_t malformed_every = 0;
  std::uint64_t html_every = 0;
  unsigned html_status = 502;
  // Vendors that repeat what they received: error and HTML pages (and a 401 for rejected
  // credentials) quote the request's credential headers, and a 3xx error carries them in its
  // Location. Checks that a client never lets an echoed secret out.
  bool echo_credentials = false;
};

enum class fault_kind { none, throttle, error, html, malformed };

// The fault for the n-th API request (1-based). When several are due, the first of throttle,
// error, html, malformed wins.
fault_kind fault_for(const fault_config& config, std::uint64_t request_number);

// The control API's form: absent keys take their defaults. Throws std::invalid_argument.
fault_config fault_config_from_json(const boost::json::object& object);

std::string to_json(const fault_config& config);

}  // namespace sluice::fakeapi
