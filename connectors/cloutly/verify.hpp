#pragma once
// Verification of Cloutly reviews (connectors/verification.hpp). GET /reviews has no date filter,
// so drift cannot be localized: the listing's `total` (one request of one review) is compared
// with the live rows, and drift is repaired by the stream's own full walk, started now instead of
// at the next full_refresh_interval (verify_report::full_walk_needed; the caller runs it, so the
// walk keeps its cursor, resumption and snapshot bookkeeping).
//
// `total` is undocumented. A server whose `total` counts only the page it returned would make
// every verification look drifted and start a full walk each time; one more request (the review
// at offset `total`) exposes that, and the stream is then reported as having no usable count.
#include <boost/asio/awaitable.hpp>

#include "connectors/verification.hpp"

namespace sluice::connectors::cloutly {

boost::asio::awaitable<verify_report> verify_reviews(verify_run& run);

}  // namespace sluice::connectors::cloutly
