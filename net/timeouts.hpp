#pragma once
// A deadline for every network step; a plain struct so tests and config can shorten them.
#include <chrono>

namespace sluice::net {

struct timeouts {
  std::chrono::milliseconds resolve{10'000};
  std::chrono::milliseconds connect{10'000};
  std::chrono::milliseconds handshake{10'000};
  std::chrono::milliseconds write{30'000};
  std::chrono::milliseconds read{60'000};  // whole response: headers and body

  // Every step bounded by one configured `timeout` (the source's `timeout` key).
  static timeouts uniform(std::chrono::milliseconds each) { return {each, each, each, each, each}; }
};

}  // namespace sluice::net
