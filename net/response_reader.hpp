#pragma once
// Reading one HTTP/1.1 answer: the bytes a server sent, turned into the response sluice acts on.
// http_client reads every answer through this (the socket feeds response_reader::parser(), then
// take_answer() decodes it), and so do the `http_head` fuzz target and its tests through
// read_response(), which feeds bytes from memory with the same Beast read loop: what is fuzzed
// is what runs, not a copy.
#include <chrono>
#include <cstddef>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/system/error_code.hpp>

#include "net/http.hpp"

// Declared, not included: Beast stays inside net/*.cpp, but http_client needs the parser's type
// to hand it to beast::http::async_read.
namespace boost::beast::http {
template <bool isRequest>
class basic_parser;
}  // namespace boost::beast::http

namespace sluice::net {

// Status line and headers together: far above any real API's head, small enough that a server
// streaming header lines forever fails the request instead of filling memory.
inline constexpr std::size_t response_header_limit = 64 * 1024;

// The parser of one answer, configured as the client needs it: the head capped at
// response_header_limit, the body at `body_limit` bytes as received (before decompression;
// take_answer() caps the decoded size), no body after HEAD whatever Content-Length says.
class response_reader {
public:
  response_reader(std::size_t body_limit, bool head_request);
  ~response_reader();
  response_reader(const response_reader&) = delete;
  response_reader& operator=(const response_reader&) = delete;

  // For beast::http::async_read / read.
  boost::beast::http::basic_parser<false>& parser() noexcept;
  bool got_some() const noexcept;  // part of an answer arrived (a failure then is not "idle")
  bool keep_alive() const noexcept;

  // The complete answer: status, headers in the order received, body still as sent (encoded).
  response release();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// An answer as the client uses it to decide between returning, retrying and failing.
struct received_answer {
  response res;                        // Content-Encoding decoded
  std::optional<std::string> problem;  // why the body is unusable (bad gzip, too big)
  std::optional<std::chrono::milliseconds> retry_after;  // 429 and 503 only
  std::string summary;  // non-2xx only: "HTTP 503 Service Unavailable: <body snippet>"
};

// Decodes the body (gzip, x-gzip, deflate; the decoded size is capped at `body_limit` too) and
// reads what the status asks for. `now` resolves a Retry-After given as a date.
received_answer take_answer(response received, std::size_t body_limit,
                            std::chrono::system_clock::time_point now);

// The whole of reading, from bytes in memory: `bytes` arrive `chunk` bytes at a time, then the
// peer closes, exactly as the client would see them on a socket.
struct read_result {
  boost::system::error_code ec;  // a Beast/Asio error: nothing usable arrived
  bool got_some = false;
  bool reusable = false;                  // keep-alive and nothing left over after the answer
  std::optional<received_answer> result;  // set when ec is clear
};
read_result read_response(std::string_view bytes, std::size_t body_limit, bool head_request,
                          std::chrono::system_clock::time_point now,
                          std::size_t chunk = std::numeric_limits<std::size_t>::max());

// "HTTP 404 Not Found": the status and, when it is a known one, its reason phrase.
std::string status_line(unsigned status);

// Up to 200 bytes of a body (or any server-chosen text), safe for a one-line log message.
std::string body_snippet(std::string_view body);

}  // namespace sluice::net
