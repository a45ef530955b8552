// Retry-After comes from the server verbatim: seconds or an HTTP date. Whatever it says, the
// delay is a non-negative duration (the caller caps it).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "net/retry_policy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view value(reinterpret_cast<const char*>(data), size);
  const auto now = std::chrono::system_clock::time_point{std::chrono::seconds{1'700'000'000}};
  if (auto delay = sluice::net::parse_retry_after(value, now); delay && delay->count() < 0)
    std::abort();
  return 0;
}
