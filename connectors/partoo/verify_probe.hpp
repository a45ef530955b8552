#pragma once
// The counting requests of a Partoo verification: one small request per number. Partoo answers
// every search with the `count` of all records its filter selects, so a count costs one request
// of one record (`per_page=1`) whatever the filter.
#include <cstdint>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "connectors/verification.hpp"
#include "core/time.hpp"
#include "net/query.hpp"

namespace sluice::connectors::partoo {

// GET /reviews?per_page=1&<filter>: the count, and the first record's identity.
struct count_answer {
  std::int64_t count = 0;
  std::optional<std::string> first_id;
  std::optional<timestamp> first_update;
  bool first_deleted = false;  // state = deleted, or no state and a delete_date
};

// Throws sluice::error (kind data) when the answer has no usable count.
boost::asio::awaitable<count_answer> count_reviews(verify_run& run, net::query_params filter);

// The default search's count of reviews dated at or before second.000000 (all of them without a
// second): the prefix count of connectors/partoo/bisect.hpp.
boost::asio::awaitable<std::int64_t> count_reviews_upto(verify_run& run,
                                                        std::optional<std::int64_t> second);

// What GET /reviews answers when the request names no state. Partoo's documents do not say
// whether that includes deleted reviews, and it may change; the verification learns it every
// time, so that it compares like with like.
struct default_search {
  bool includes_deleted = false;  // count the table's `listed` rows, else its `live` ones
  bool read_deleted = false;      // a re-read also needs the `state__in=deleted` search
  std::string how;                // for the report
};

// One request for the deleted reviews (up to `upper`), and when there are some, one more: the
// default search of the first one's second, which either returns it or not. 1-2 requests.
boost::asio::awaitable<default_search> learn_default_search(verify_run& run,
                                                            std::optional<std::int64_t> upper);

}  // namespace sluice::connectors::partoo
