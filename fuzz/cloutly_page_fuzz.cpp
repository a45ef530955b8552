// A Cloutly answer (a reviews page or the businesses list) as the connector reads it.
#include "connectors/cloutly/mapping.hpp"
#include "connectors/review_tables.hpp"
#include "fuzz/connector_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sluice;
  auto body = fuzz::as_text(data, size);
  run_counters counters;
  fuzz::refused_or_mapped([&] {
    auto page =
        connectors::cloutly::read_reviews_page(body, fuzz::json_type, fuzz::origin, counters);
    for (const auto& review : page.records) fuzz::encode(tables::reviews, review.values);
  });
  fuzz::refused_or_mapped([&] {
    for (const auto& business :
         connectors::cloutly::read_businesses(body, fuzz::json_type, fuzz::origin, counters))
      fuzz::encode(tables::businesses, business);
  });
  return 0;
}
