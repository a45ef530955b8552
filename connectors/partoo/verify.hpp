#pragma once
// Verification of the Partoo streams (connectors/verification.hpp).
//
// Reviews: the API's count of reviews dated up to the live cursor's second is compared with the
// table's rows that the same search would return (the default search's treatment of deleted
// reviews is learnt first: verify_probe.hpp). Drift is localized by bisecting update_date
// (bisect.hpp) and repaired span by span: each drifted span is re-read whole as a range snapshot
// (verify_read.hpp), what came back is upserted, and rows of the span that the API no longer
// returns are marked deleted in one transaction, behind the safety valve, and only after the
// whole span was read. Before marking, the reviews updated recently (live cursor - lookback, to
// the end) are read too: a review edited since the counts moved to a later date, out of its old
// span, and must not pass for vanished. The live cursor never moves.
//
// Remaining risk: a review edited between that last read and the marking transaction (a window
// of one commit), or edited and re-dated by Partoo more than `lookback` into the past, is marked
// deleted although it exists. The mark is reversible: the next pull or verification that reads
// the review clears it (a marked row is always rewritten when it comes back).
//
// Businesses: the API's count of the search is compared with the live rows; on drift the whole
// search is read as a snapshot and businesses it no longer lists get deleted_at (same marking,
// same valve, the table's own rows written meanwhile are never marked).
#include <boost/asio/awaitable.hpp>

#include "connectors/verification.hpp"

namespace sluice::connectors::partoo {

boost::asio::awaitable<verify_report> verify_reviews(verify_run& run);
boost::asio::awaitable<verify_report> verify_businesses(verify_run& run);

}  // namespace sluice::connectors::partoo
