// The Partoo connector: fetch a page, map it (mapping.hpp), let the walk (walk.hpp) decide the
// batch's cursor and the next query, hand the batch to the sink, repeat.
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "connectors/json_body.hpp"
#include "connectors/partoo/mapping.hpp"
#include "connectors/partoo/partoo.hpp"
#include "connectors/partoo/verify.hpp"
#include "connectors/partoo/walk.hpp"
#include "core/error.hpp"
#include "connectors/review_tables.hpp"
#include "net/http.hpp"
#include "net/query.hpp"

namespace sluice::connectors::partoo {
namespace {

using boost::asio::awaitable;

// Taken once per run: both review walks start from the same committed cursor and clock.
walk_start start_of(stream_run& run) {
  walk_start start{run.cursor, run.full, run.source.start_date, run.source.lookback, run.backfill};
  start.counters = &run.counters;
  return start;
}

std::string query_text(const net::query_params& query) {
  std::string text;
  for (const auto& [key, value] : query) {
    if (!text.empty()) text += ' ';
    text += key + '=' + value;
  }
  return text;
}

// A walk's own complaint about an answer (order, repeated pages) names the walk; this adds whose
// answer it was and the request that got it.
[[noreturn]] void rethrow_with_origin(const error& e, const body_origin& origin,
                                      const net::query_params& query) {
  throw error(e.kind(), describe(origin) + " (" + query_text(query) + "): " + e.what(),
              e.http_status(), request_facts{e.attempts(), e.body_excerpt()});
}

void warn_if_incomplete(const stream_run& run, std::string_view walk, const distinct_tally& tally) {
  if (tally.complete()) return;
  run.log.warn(
      "{} read {} distinct records where the first answer counted {}; the source changed "
      "during the walk or its pages are inconsistent",
      walk, tally.seen(), *tally.promised());
}

// Each page's batch is written as soon as it is mapped: write() resumes once the batch is queued,
// so the next request overlaps the commit of this one.
awaitable<void> walk_reviews(stream_run& run, reviews_walk& walk, std::string_view name) {
  while (!walk.done()) {
    auto query = walk.query();
    auto url = net::make_url(run.source.base_url, "/reviews", query);
    auto answer = co_await run.http.get(url, &run.counters);
    body_origin origin{run.source.name, url};
    auto page =
        read_reviews_page(answer.body, answer.header_value("Content-Type"), origin, run.counters);
    run.log.debug("{} records for {}", page.records.size(), query_text(query));
    std::optional<record_batch> batch;
    try {
      batch = walk.on_page(std::move(page));
    } catch (const error& e) {
      rethrow_with_origin(e, origin, query);
    }
    if (batch) co_await run.out.write(std::move(*batch));
  }
  warn_if_incomplete(run, name, walk.tally());
}

// Two walks over the same window. The search without a state filter returns whatever states the
// server's default includes, which may leave deleted reviews out; the second walk asks
// `state__in=deleted`, so deletions arrive either way and no state is ever filtered out.
//
// The deleted walk runs first and commits no cursor; the unfiltered walk then commits the cursor
// page by page, as a single walk would. A crash during the deleted walk leaves the cursor where it
// was: the next run walks the same window again. A crash during the unfiltered walk leaves the
// cursor at most at the largest update_date that walk read, after the deleted walk had read every
// deletion of the window: a deletion it could not have seen happened after it ran, so it carries
// a later update_date (or one lagging by less than the lookback), and the next run's window, from
// cursor - lookback, still holds it. (Were the order reversed, a cursor moved far ahead by the
// first walk would make the next run's window start past deletions the second walk never read.)
void log_backfill(const stream_run& run) {
  if (run.backfill)
    run.log.debug("backfill {} from {}", run.cursor ? "resumed" : "started",
                  run.cursor.value_or("the range's start"));
}

awaitable<void> pull_reviews(stream_run& run) {
  const walk_start start = start_of(run);
  reviews_walk deleted(start, reviews_filter::deleted);
  co_await walk_reviews(run, deleted, "the state__in=deleted walk");
  reviews_walk all(start);
  co_await walk_reviews(run, all, "the unfiltered walk");
}

// The answer to page 0, asked only when the walk from page 1 came up short (see businesses_walk);
// nullopt when the server refuses it as a client error: it counts pages from 1.
awaitable<std::optional<net::response>> get_page_zero(stream_run& run, std::string url) {
  try {
    co_return co_await run.http.get(std::move(url), &run.counters);
  } catch (const error& e) {
    if (e.kind() != error_kind::client) throw;
    run.log.debug("page 0 refused ({}); pages count from 1", e.what());
  }
  co_return std::nullopt;
}

std::vector<record_batch> walk_businesses_page(stream_run& run, businesses_walk& walk,
                                               const net::response& answer, const std::string& url,
                                               const net::query_params& query) {
  body_origin origin{run.source.name, url};
  auto page =
      read_businesses_page(answer.body, answer.header_value("Content-Type"), origin, run.counters);
  run.log.debug("{} records for {}", page.records.size(), query_text(query));
  try {
    return walk.on_page(std::move(page));
  } catch (const error& e) {
    rethrow_with_origin(e, origin, query);
  }
}

awaitable<void> pull_businesses(stream_run& run) {
  businesses_walk walk(start_of(run));
  while (!walk.done()) {
    auto query = walk.query();
    auto url = net::make_url(run.source.base_url, "/business/search", query);
    std::optional<net::response> answer;
    if (walk.probing_page_zero()) {
      answer = co_await get_page_zero(run, url);
    } else {
      answer = co_await run.http.get(url, &run.counters);
    }
    auto batches =
        answer ? walk_businesses_page(run, walk, *answer, url, query) : walk.on_page_refused();
    for (auto& batch : batches) co_await run.out.write(std::move(batch));
  }
  warn_if_incomplete(run, "the walk", walk.tally());
}

// Reviews re-read a range by update_date (filtered on both ends); the cursor is the walk's
// update_date (walk.hpp). Verification: counts, bisection and range repair (verify.hpp).
class reviews_stream final : public stream {
public:
  reviews_stream() : stream({"reviews", &tables::reviews, stream_mode::incremental, false, true}) {}

  awaitable<std::optional<std::string>> pull(stream_run& run) override {
    log_backfill(run);
    co_await pull_reviews(run);
    co_return std::nullopt;
  }

  std::optional<timestamp> cursor_time(const std::string& cursor) const noexcept override {
    try {
      return parse_reviews_cursor(cursor);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }

  awaitable<verify_report> verify(verify_run& run) override {
    co_return co_await verify_reviews(run);
  }
};

// Businesses re-read a range by modified (filtered from `since`; see businesses_walk).
class businesses_stream final : public stream {
public:
  businesses_stream()
      : stream({"businesses", &tables::businesses, stream_mode::incremental, false, true}) {}

  awaitable<std::optional<std::string>> pull(stream_run& run) override {
    log_backfill(run);
    co_await pull_businesses(run);
    co_return std::nullopt;
  }

  std::optional<timestamp> cursor_time(const std::string& cursor) const noexcept override {
    try {
      if (auto parsed = parse_businesses_cursor(cursor)) return parsed->modified;
    } catch (const std::exception&) {
    }
    return std::nullopt;
  }

  awaitable<verify_report> verify(verify_run& run) override {
    co_return co_await verify_businesses(run);
  }
};

class partoo_connector final : public connector {
public:
  explicit partoo_connector(const source_config& source)
      : connector("partoo"), source_name_(source.name), base_url_(source.base_url) {
    add(std::make_unique<reviews_stream>());
    add(std::make_unique<businesses_stream>());
  }

  awaitable<std::string> check(fetcher http, run_counters& counters) override {
    auto url = net::make_url(base_url_, "/reviews", {{"per_page", "1"}});
    auto answer = co_await http.get(url, &counters);
    body_origin origin{source_name_, url};
    auto body = parse_object_body(answer.body, answer.header_value("Content-Type"), origin);
    array_member(body, "reviews", origin);  // a 200 without the list is not a working API
    auto count = integer_member(body, "count");
    co_return count ? "authenticated; " + std::to_string(*count) + " reviews" : "authenticated";
  }

private:
  std::string source_name_;
  std::string base_url_;
};

}  // namespace

std::unique_ptr<connector> make_connector(const source_config& source) {
  return std::make_unique<partoo_connector>(source);
}

std::shared_ptr<net::authenticator> make_authenticator(const source_config& source) {
  return std::make_shared<net::header_key_auth>("x-APIKey", source.api_key);
}

}  // namespace sluice::connectors::partoo
