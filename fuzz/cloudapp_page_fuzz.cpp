// A CloudApp /items answer (live or trash listing) as the connector reads it.
#include "connectors/cloudapp/mapping.hpp"
#include "connectors/cloudapp/tables.hpp"
#include "fuzz/connector_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sluice;
  auto body = fuzz::as_text(data, size);
  run_counters counters;
  fuzz::refused_or_mapped([&] {
    for (auto& item :
         connectors::cloudapp::read_items_page(body, fuzz::json_type, fuzz::origin, counters)) {
      connectors::cloudapp::mark_trashed(item, timestamp{std::chrono::seconds{1'700'000'000}});
      fuzz::encode(tables::cloudapp_items, item.values);
    }
  });
  return 0;
}
