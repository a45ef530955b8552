#include "connectors/cloutly/verify.hpp"

#include <string>

#include "connectors/json_body.hpp"
#include "connectors/review_tables.hpp"
#include "net/query.hpp"

namespace sluice::connectors::cloutly {
namespace {

using boost::asio::awaitable;

struct listing_answer {
  std::optional<std::int64_t> total;
  std::size_t returned = 0;
};

awaitable<listing_answer> list_one(verify_run& run, std::int64_t offset) {
  auto url = net::make_url(run.source.base_url, "/reviews",
                           {{"limit", "1"}, {"offset", std::to_string(offset)}});
  auto answer = co_await run.http.get(url, &run.counters);
  body_origin origin{run.source.name, url};
  auto body = parse_object_body(answer.body, answer.header_value("Content-Type"), origin);
  const auto& reviews = array_member(body, "reviews", origin);
  co_return listing_answer{integer_member(body, "total"), reviews.size()};
}

// The listing's size, or nullopt when the answer has no `total` or one that only counts the
// page (a review exists at offset `total`).
awaitable<std::optional<std::int64_t>> listing_size(verify_run& run) {
  const auto first = co_await list_one(run, 0);
  if (!first.total) co_return std::nullopt;
  if (*first.total > 0 && static_cast<std::size_t>(*first.total) <= first.returned) {
    const auto beyond = co_await list_one(run, *first.total);
    if (beyond.returned > 0) co_return std::nullopt;
  }
  co_return first.total;
}

}  // namespace

awaitable<verify_report> verify_reviews(verify_run& run) {
  verify_report report;
  const auto api = co_await listing_size(run);
  if (!api) {
    report.outcome = verify_outcome::unsupported;
    report.note =
        "the listing's `total` is absent or counts only the page; full walks every "
        "full_refresh_interval are the check";
    co_return report;
  }
  const std::int64_t table = co_await run.table.count(tables::reviews, row_presence::live);
  report.api_count = *api;
  report.table_count = table;
  report.ranges_probed = 1;
  if (*api == table) {
    report.outcome = verify_outcome::matched;
    co_return report;
  }
  report.outcome = verify_outcome::drift;
  report.ranges_drifted = 1;
  report.full_walk_needed = !run.dry_run;
  report.note = run.dry_run ? "dry run, nothing changed; a repair is the stream's full walk"
                            : "the stream's full walk repairs it";
  co_return report;
}

}  // namespace sluice::connectors::cloutly
