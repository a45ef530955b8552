// A Partoo answer (reviews or businesses) as the connector reads it.
#include "connectors/partoo/mapping.hpp"
#include "connectors/review_tables.hpp"
#include "fuzz/connector_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sluice;
  auto body = fuzz::as_text(data, size);
  run_counters counters;
  fuzz::refused_or_mapped([&] {
    auto page =
        connectors::partoo::read_reviews_page(body, fuzz::json_type, fuzz::origin, counters);
    for (const auto& review : page.records) fuzz::encode(tables::reviews, review.values);
  });
  fuzz::refused_or_mapped([&] {
    auto page =
        connectors::partoo::read_businesses_page(body, fuzz::json_type, fuzz::origin, counters);
    for (const auto& business : page.records) fuzz::encode(tables::businesses, business.values);
  });
  return 0;
}
