// An HTTP answer as the client reads it (net/response_reader): Beast's parser with the client's
// head and body limits, fed by Beast's own read loop, then Content-Encoding (gzip) decoding, the
// status summary and Retry-After. Whatever a server sends, reading ends in an error or in an
// answer within the limits, and the answer does not depend on how the bytes were split across
// reads (a socket delivers them in any pieces).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "net/response_reader.hpp"

namespace {

using sluice::net::read_response;
using sluice::net::read_result;

// Small enough that the body limit, before and after gunzip, is reached by fuzzed inputs.
constexpr std::size_t body_limit = 64 * 1024;

// How the bytes were split may change which error Beast reports (a bad start line is seen at once
// when it arrives whole, or as a truncated head when the end of the head never comes) and whether
// bytes after the answer were already read (reuse), but never whether an answer arrived nor what
// it says.
bool same(const read_result& a, const read_result& b) {
  if (!a.ec != !b.ec || a.got_some != b.got_some) return false;
  if (!a.result || !b.result) return !a.result && !b.result;
  const auto &x = *a.result, &y = *b.result;
  if (x.res.status != y.res.status || x.res.body != y.res.body ||
      x.res.headers.size() != y.res.headers.size())
    return false;
  for (std::size_t i = 0; i < x.res.headers.size(); ++i)
    if (x.res.headers[i].name != y.res.headers[i].name ||
        x.res.headers[i].value != y.res.headers[i].value)
      return false;
  return x.problem == y.problem && x.retry_after == y.retry_after && x.summary == y.summary;
}

void check(const read_result& r, bool head_request) {
  if (!r.result) {
    if (!r.ec) std::abort();  // no answer must come with a reason
    return;
  }
  const auto& a = *r.result;
  if (r.ec || a.res.status > 999) std::abort();
  if (a.res.body.size() > body_limit) std::abort();  // raw and decoded bodies both capped
  if (head_request && !a.res.body.empty()) std::abort();
  if (a.retry_after && a.retry_after->count() < 0) std::abort();
  if (a.summary.size() > 300) std::abort();  // a status line and a 200-byte snippet
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto now = std::chrono::system_clock::time_point{std::chrono::seconds{1'700'000'000}};

  const auto whole = read_response(bytes, body_limit, false, now);
  check(whole, false);
  const auto pieces = read_response(bytes, body_limit, false, now, 1 + size % 16);
  if (!same(whole, pieces)) std::abort();
  check(read_response(bytes, body_limit, true, now), true);
  return 0;
}
