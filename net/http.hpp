#pragma once
// Plain request/response values: what connectors see of HTTP. No Beast types leak out of net/.
#include <string>
#include <string_view>
#include <vector>

namespace sluice::net {

struct header {
  std::string name;
  std::string value;
};

struct request {
  std::string method = "GET";
  std::string url;  // absolute: scheme://host[:port]/path?query
  std::vector<header> headers;
  std::string body;
  // HTTP statuses that the API documents as a verdict on the request itself, which sending the
  // same request again cannot change (Clevertim answers 500 when it cannot parse a request and
  // 501 for an operation it does not support). Such an answer fails at once with the kind its
  // status maps to, without the retries that other 5xx answers get.
  std::vector<unsigned> final_statuses{};
};

// A header that is safe to put on the wire: a non-empty token name, no CR, LF or NUL in the value
// (header injection).
bool valid_header(const header& h) noexcept;

struct response {
  unsigned status = 0;
  std::vector<header> headers;
  std::string body;

  // First header with this name (case-insensitive); empty when absent.
  std::string_view header_value(std::string_view name) const noexcept;
};

}  // namespace sluice::net
