#pragma once
// Cloutly records -> rows (docs/architecture.md, "Tables" and "Sync semantics"). Pure: no I/O,
// so every field rule is unit-tested with the vendor's own example (tests/fixtures/cloutly/).
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

namespace sluice::connectors::cloutly {

// A review as a row of tables::reviews, plus what the walk needs of it.
struct mapped_review {
  row values;
  std::string id;        // external_id
  timestamp created_at;  // the walk's order and cursor field (UTC)
};

// Throws sluice::error (kind data) for a review without a usable `id` or `createdAt`: without
// them the row has no key or the walk no position. Every other unusable field becomes NULL with a
// warning (a rating such as "five"), and `raw` keeps the whole object, unknown fields included.
mapped_review map_review(const boost::json::object& review, run_counters& counters,
                         std::string_view text = {});

// Throws sluice::error (kind data) for a business without a usable `id`.
row map_business(const boost::json::object& business, run_counters& counters,
                 std::string_view text = {});

// One answer of GET /reviews, parsed and mapped. `total` is the answer's count of all reviews
// (nullopt when absent or unusable: the walk then ends at an empty page). Throws sluice::error
// (kind data) for an unusable body or record, naming the source, the URL and the record's index.
struct reviews_page {
  std::vector<mapped_review> records;
  std::optional<std::int64_t> total;
};

reviews_page read_reviews_page(std::string_view body, std::string_view content_type,
                               const body_origin& origin, run_counters& counters);

// The answer of GET /businesses: a bare JSON array, no paging.
std::vector<row> read_businesses(std::string_view body, std::string_view content_type,
                                 const body_origin& origin, run_counters& counters);

}  // namespace sluice::connectors::cloutly
