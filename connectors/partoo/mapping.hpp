#pragma once
// Partoo records -> rows (docs/architecture.md, "Tables" and "Sync semantics"). Pure: no I/O,
// so every field rule is unit-tested with the vendor's own examples (tests/fixtures/partoo/).
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/json_body.hpp"
#include "core/record.hpp"
#include "core/run_counters.hpp"
#include "core/time.hpp"

namespace sluice::connectors::partoo {

// A review as a row of tables::reviews, plus the cursor field the walk needs.
struct mapped_review {
  row values;
  std::string id;         // external_id
  timestamp update_date;  // the cursor field (UTC)
};

// The wire form of a business's `modified`: the vendor's OpenAPI says float unix seconds, other
// vendor pages show ISO strings. The filter is sent back in the form the answers use.
enum class time_form { unix_seconds, iso };

// A business as a row of tables::businesses, plus its cursor field.
struct mapped_business {
  row values;
  std::string id;
  timestamp modified;
  time_form form;
};

// Throws sluice::error (kind data) for a review without a usable `id` or `update_date`: without
// them the row has no key or the walk no cursor. Other unusable fields become NULL with a warning.
mapped_review map_review(const boost::json::object& review, run_counters& counters,
                         std::string_view text = {});

// Throws sluice::error (kind data) for a business without a usable `id` or `modified`.
mapped_business map_business(const boost::json::object& business, run_counters& counters,
                             std::string_view text = {});

// One answer of GET /reviews or GET /business/search, parsed and mapped. `max_page` is the
// answer's page count, if it gave a usable one; the answer's `page` is ignored on purpose (mock
// servers always answer page 1). Throws sluice::error (kind data) for an unusable body.
template <class Record>
struct page {
  std::vector<Record> records;
  std::optional<std::int64_t> max_page;
  std::optional<std::int64_t> count;
};

page<mapped_review> read_reviews_page(std::string_view body, std::string_view content_type,
                                      const body_origin& origin, run_counters& counters);
page<mapped_business> read_businesses_page(std::string_view body, std::string_view content_type,
                                           const body_origin& origin, run_counters& counters);

}  // namespace sluice::connectors::partoo
