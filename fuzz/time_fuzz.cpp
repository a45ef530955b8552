// The time, duration and rate parsers read vendor answers and configuration text. Beyond not
// crashing, what they accept must survive a round trip: a cursor is written with format_timestamp
// and read back with parse_timestamp, and an instant that cannot be read back would stop a stream.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/rate.hpp"
#include "core/time.hpp"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

void timestamp_round_trip(std::string_view text) {
  auto t = sluice::parse_timestamp(text);
  if (!t) return;
  auto again = sluice::parse_timestamp(sluice::format_timestamp(*t));
  check(again && *again == *t);
}

void duration_round_trip(std::string_view text) {
  auto d = sluice::parse_duration(text);
  if (!d) return;
  check(d->count() >= 0);
  auto again = sluice::parse_duration(sluice::format_duration(*d));
  check(again && *again == *d);
}

void rate_round_trip(std::string_view text) {
  auto r = sluice::parse_rate(text);
  if (!r) return;
  check(r->per_second >= 0);
  (void)sluice::format_rate(*r);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  timestamp_round_trip(text);
  duration_round_trip(text);
  rate_round_trip(text);
  return 0;
}
