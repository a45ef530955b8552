// A Clevertim answer read as the connector reads it: the streaming list reader over
// `{"status":"OK","content":[...]}`, the envelope check, then each element mapped as every
// resource in turn (the first input byte picks the account's zone).
#include "connectors/clevertim/account_zone.hpp"
#include "connectors/clevertim/mapping.hpp"
#include "fuzz/connector_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sluice;
  using namespace sluice::connectors::clevertim;
  if (size == 0) return 0;
  static const account_zone paris("Europe/Paris");
  const account_zone& zone = data[0] % 2 == 0 ? account_zone::utc() : paris;
  auto body = fuzz::as_text(data + 1, size - 1);
  run_counters counters;
  for (const auto& resource : resources()) {
    fuzz::refused_or_mapped([&] {
      connectors::list_body_reader reader(body, fuzz::json_type, "content", fuzz::origin);
      check_envelope(reader.members(), fuzz::origin, 200);
      std::size_t index = 0;
      while (const auto* element = reader.next())
        fuzz::encode(*resource.table,
                     map_element(resource, *element, index++, fuzz::origin, counters, zone));
    });
  }
  return 0;
}
