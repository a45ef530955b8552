#pragma once
// Re-reading one span of Partoo reviews for a repair: every page of the span, written through
// the verification's sink (without a cursor: the live cursor never moves), and the ids seen, so
// that what the API no longer returns can be marked afterwards.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "connectors/verification.hpp"
#include "core/time.hpp"

namespace sluice::connectors::partoo {

struct span_read {
  std::vector<std::string> ids;  // every id read, in answer order (repeats possible)
  // The first answer's `count`: what the span held when the read began. nullopt when the answer
  // gave none.
  std::optional<std::int64_t> promised;
  std::int64_t distinct = 0;
  // Fewer distinct records than promised: a page was skipped or the server stopped early. Such
  // a read never decides that anything vanished.
  bool short_read() const { return promised && distinct < *promised; }
};

// Reads update_date in [since, until] (either may be open) with the walk of a backfill
// (connectors/partoo/walk.hpp: update_date order, re-querying from each page's last second, so
// records updated meanwhile are not skipped), `state__in=deleted` when `deleted_search`.
boost::asio::awaitable<span_read> read_span(verify_run& run, std::optional<timestamp> since,
                                            std::optional<timestamp> until, bool deleted_search);

}  // namespace sluice::connectors::partoo
