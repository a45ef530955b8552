#pragma once
// What clients asked for: counts per endpoint and the recent request targets, so tests can
// assert on request patterns (paging, retries, cursors sent).
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace sluice::fakeapi {

class request_stats {
public:
  void record(std::string_view endpoint, std::string_view target);
  // Counts an extra kind of answer under its own key, outside `total` and the log: the request
  // itself was already recorded.
  void count(std::string_view endpoint);
  void reset();
  // `{"total":n,"requests":{"partoo.reviews":n,...},"log":["/partoo/v2/reviews?...",...]}`
  std::string to_json() const;

private:
  static constexpr std::size_t log_limit_ = 10'000;

  std::uint64_t total_ = 0;
  std::map<std::string, std::uint64_t, std::less<>> by_endpoint_;
  std::deque<std::string> log_;
};

}  // namespace sluice::fakeapi
