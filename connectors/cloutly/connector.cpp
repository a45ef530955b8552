// The Cloutly connector: fetch a page, map it (mapping.hpp), let the walk (walk.hpp) decide the
// batch's cursor and the next offset, hand the batch to the sink, repeat.
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "connectors/cloutly/cloutly.hpp"
#include "connectors/cloutly/mapping.hpp"
#include "connectors/cloutly/verify.hpp"
#include "connectors/cloutly/walk.hpp"
#include "connectors/json_body.hpp"
#include "core/error.hpp"
#include "connectors/review_tables.hpp"
#include "net/query.hpp"

namespace sluice::connectors::cloutly {

using boost::asio::awaitable;

namespace {

void log_snapshot(const stream_run& run, const snapshot_result& result) {
  run.log.debug("snapshot complete: {} seen, {} of {} live rows vanished, {} marked deleted{}",
                result.seen, result.vanished, result.live_before, result.deleted,
                result.suspicious ? " (safety valve held)" : "");
}

// Each page's batch is written as soon as it is mapped: write() resumes once the batch is queued,
// so the next request overlaps the commit of this one. An exception leaves the snapshot open:
// nothing is marked deleted, and the next run resumes the walk from the last committed cursor.
awaitable<std::optional<std::string>> pull_reviews(stream_run& run) {
  reviews_walk walk(
      {run.cursor, run.full, run.source.lookback, run.source.start_date, run.backfill});
  if (walk.full()) co_await run.out.begin_snapshot(walk.resumed());
  run.log.debug("{} {} walk from offset {}", walk.resumed() ? "resuming a" : "starting a",
                walk.backfill() ? "backfill"
                : walk.full()   ? "full"
                                : "incremental",
                walk.progress().offset);
  while (!walk.done()) {
    auto url = net::make_url(run.source.base_url, "/reviews", walk.query());
    auto answer = co_await run.http.get(url, &run.counters);
    auto page = read_reviews_page(answer.body, answer.header_value("Content-Type"),
                                  {run.source.name, url}, run.counters);
    run.log.debug("{} records at offset {} (total {})", page.records.size(), walk.progress().offset,
                  page.total.value_or(-1));
    if (auto batch = walk.on_page(std::move(page))) co_await run.out.write(std::move(*batch));
  }
  if (!walk.full()) co_return std::nullopt;
  if (auto shortfall = walk.shortfall()) {
    // The walk is over, so its high-water mark is earned and the next full walk starts afresh
    // (its begin_snapshot forgets the ids remembered here); only the deletions are given up.
    // A named batch, not a braced temporary: GCC 12 destroys a braced temporary passed by value
    // into a coroutine inside co_await twice.
    record_batch cursor_only{&tables::reviews, {}, walk.final_cursor()};
    co_await run.out.write(std::move(cursor_only));
    co_return shortfall;
  }
  auto result =
      co_await run.out.complete_snapshot(run.source.max_delete_fraction, walk.final_cursor());
  log_snapshot(run, result);
  co_return std::nullopt;
}

// Cloutly answers all businesses at once, so every run is a complete snapshot. An empty answer
// still completes it: the store's safety valve, not this loop, decides whether absence means
// deletion (an empty answer never wipes a table).
awaitable<void> pull_businesses(stream_run& run) {
  co_await run.out.begin_snapshot(false);
  auto url = net::make_url(run.source.base_url, "/businesses");
  auto answer = co_await run.http.get(url, &run.counters);
  auto rows = read_businesses(answer.body, answer.header_value("Content-Type"),
                              {run.source.name, url}, run.counters);
  run.log.debug("{} records", rows.size());
  for (auto& batch : businesses_batches(std::move(rows))) co_await run.out.write(std::move(batch));
  auto result = co_await run.out.complete_snapshot(run.source.max_delete_fraction);
  log_snapshot(run, result);
}

// Reviews: a newest-first walk (walk.hpp) whose cursor is its high-water mark; a periodic full
// walk is its snapshot; a backfill re-reads a range of createdAt.
class reviews_stream final : public stream {
public:
  reviews_stream() : stream({"reviews", &tables::reviews, stream_mode::incremental, true, true}) {}

  awaitable<std::optional<std::string>> pull(stream_run& run) override {
    co_return co_await pull_reviews(run);
  }

  std::optional<timestamp> cursor_time(const std::string& cursor) const noexcept override {
    try {
      return parse_reviews_cursor(cursor).high_water;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }

  // The listing's total against the table; the repair is the full walk (verify.hpp).
  awaitable<verify_report> verify(verify_run& run) override {
    co_return co_await verify_reviews(run);
  }
};

// Businesses: a snapshot every run, no cursor.
class businesses_stream final : public stream {
public:
  businesses_stream() : stream({"businesses", &tables::businesses, stream_mode::snapshot}) {}

  awaitable<std::optional<std::string>> pull(stream_run& run) override {
    co_await pull_businesses(run);
    co_return std::nullopt;
  }
};

class cloutly_connector final : public connector {
public:
  explicit cloutly_connector(const source_config& source)
      : connector("cloutly"), source_name_(source.name), base_url_(source.base_url) {
    add(std::make_unique<reviews_stream>());
    add(std::make_unique<businesses_stream>());
  }

  // GET /reviews?limit=1: "authenticated; 30 reviews".
  awaitable<std::string> check(fetcher http, run_counters& counters) override {
    auto url = net::make_url(base_url_, "/reviews", {{"limit", "1"}});
    auto answer = co_await http.get(url, &counters);
    body_origin origin{source_name_, url};
    auto body = parse_object_body(answer.body, answer.header_value("Content-Type"), origin);
    array_member(body, "reviews", origin);  // a 200 without the list is not a working API
    auto total = integer_member(body, "total");
    co_return total ? "authenticated; " + std::to_string(*total) + " reviews" : "authenticated";
  }

private:
  std::string source_name_;
  std::string base_url_;
};

}  // namespace

std::unique_ptr<connector> make_connector(const source_config& source) {
  return std::make_unique<cloutly_connector>(source);
}

std::shared_ptr<net::authenticator> make_authenticator(const source_config& source) {
  return std::make_shared<net::header_key_auth>("x-api-key", source.api_key);
}

}  // namespace sluice::connectors::cloutly
