// The Cloutly connector: fetch a page, map it (mapping.hpp), let the walk (walk.hpp) decide the
// batch's cursor and the next offset, hand the batch to the sink, repeat.
// GCC 12 reports a false -Wmismatched-new-delete for some coroutine frames that use Asio's
// awaitable_frame_base allocator (operator new and delete are a matching pair there).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <spdlog/spdlog.h>

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
#include "core/tables.hpp"
#include "net/http_client.hpp"
#include "net/query.hpp"

namespace sluice::connectors::cloutly {

using boost::asio::awaitable;

namespace {

void log_snapshot(const source_config& source, std::string_view stream,
                  const snapshot_result& result) {
  spdlog::debug("source '{}' {}: snapshot complete: {} seen, {} of {} live rows vanished, {} "
                "marked deleted{}",
                source.name, stream, result.seen, result.vanished, result.live_before,
                result.deleted, result.suspicious ? " (safety valve held)" : "");
}

}  // namespace

// Each page's batch is written as soon as it is mapped: write() resumes once the batch is queued,
// so the next request overlaps the commit of this one. An exception leaves the snapshot open:
// nothing is marked deleted, and the next run resumes the walk from the last committed cursor.
awaitable<std::optional<std::string>> pull_reviews(pull p) {
  reviews_walk walk({p.cursor, p.full, p.source.lookback, p.source.start_date, p.backfill});
  if (walk.full()) co_await p.out.begin_snapshot(walk.resumed());
  spdlog::debug("source '{}' reviews: {} {} walk from offset {}", p.source.name,
                walk.resumed() ? "resuming a" : "starting a",
                walk.backfill() ? "backfill" : walk.full() ? "full" : "incremental",
                walk.progress().offset);
  while (!walk.done()) {
    auto url = net::make_url(p.source.base_url, "/reviews", walk.query());
    auto answer = co_await p.get(url);
    auto page = read_reviews_page(answer.body, answer.header_value("Content-Type"),
                                  {p.source.name, url}, p.counters);
    spdlog::debug("source '{}' reviews: {} records at offset {} (total {})", p.source.name,
                  page.records.size(), walk.progress().offset, page.total.value_or(-1));
    if (auto batch = walk.on_page(std::move(page))) co_await p.out.write(std::move(*batch));
  }
  if (!walk.full()) co_return std::nullopt;
  if (auto shortfall = walk.shortfall()) {
    // The walk is over, so its high-water mark is earned and the next full walk starts afresh
    // (its begin_snapshot forgets the ids remembered here); only the deletions are given up.
    // A named batch, not a braced temporary: GCC 12 destroys a braced temporary passed by value
    // into a coroutine inside co_await twice.
    record_batch cursor_only{&tables::reviews, {}, walk.final_cursor()};
    co_await p.out.write(std::move(cursor_only));
    co_return shortfall;
  }
  auto result =
      co_await p.out.complete_snapshot(p.source.max_delete_fraction, walk.final_cursor());
  log_snapshot(p.source, "reviews", result);
  co_return std::nullopt;
}

// Cloutly answers all businesses at once, so every run is a complete snapshot. An empty answer
// still completes it: the store's safety valve, not this loop, decides whether absence means
// deletion (an empty answer never wipes a table).
awaitable<void> pull_businesses(pull p) {
  co_await p.out.begin_snapshot(false);
  auto url = net::make_url(p.source.base_url, "/businesses");
  auto answer = co_await p.get(url);
  auto rows = read_businesses(answer.body, answer.header_value("Content-Type"),
                              {p.source.name, url}, p.counters);
  spdlog::debug("source '{}' businesses: {} records", p.source.name, rows.size());
  for (auto& batch : businesses_batches(std::move(rows))) co_await p.out.write(std::move(batch));
  auto result = co_await p.out.complete_snapshot(p.source.max_delete_fraction);
  log_snapshot(p.source, "businesses", result);
}

awaitable<std::string> check_source(std::string source_name, std::string base_url, fetch get) {
  auto url = net::make_url(base_url, "/reviews", {{"limit", "1"}});
  auto answer = co_await get(url);
  body_origin origin{source_name, url};
  auto body = parse_object_body(answer.body, answer.header_value("Content-Type"), origin);
  array_member(body, "reviews", origin);  // a 200 without the list is not a working API
  auto total = integer_member(body, "total");
  co_return total ? "authenticated; " + std::to_string(*total) + " reviews" : "authenticated";
}

namespace {

fetch fetch_with(net::http_client& http, run_counters& counters) {
  return [&http, &counters](std::string url) { return http.get(std::move(url), &counters); };
}

class cloutly_connector final : public connector {
public:
  explicit cloutly_connector(const source_config& source)
      : source_name_(source.name), base_url_(source.base_url) {}

  // Reviews can re-read a range of createdAt (walk.hpp); businesses are a snapshot every run.
  std::vector<stream_spec> streams() const override {
    return {{"reviews", &tables::reviews, stream_mode::incremental, true, true},
            {"businesses", &tables::businesses, stream_mode::snapshot}};
  }

  awaitable<write_totals> run(stream_run& run) override {
    pull p{run.source, run.full, run.cursor, run.out, run.counters,
           fetch_with(run.http, run.counters), run.backfill};
    // A snapshot under a backfill's name would mark everything outside the range deleted.
    if (run.backfill && run.stream == "businesses")
      throw error(error_kind::config, "source '" + run.source.name +
                                          "': cloutly businesses cannot be backfilled (every "
                                          "sync reads them whole)");
    std::optional<std::string> held_back;
    if (run.stream == "reviews") {
      held_back = co_await pull_reviews(std::move(p));
    } else if (run.stream == "businesses") {
      co_await pull_businesses(std::move(p));
    } else {
      throw error(error_kind::config, "source '" + run.source.name +
                                          "': cloutly has no stream '" + run.stream +
                                          "' (streams: reviews, businesses)");
    }
    auto totals = co_await run.out.flush();
    if (held_back) {
      // Recorded like a snapshot held back by the store's safety valve: a suspicious run.
      totals.suspicious = true;
      totals.suspicious_reason = std::move(*held_back);
    }
    co_return totals;
  }

  // The listing's total against the table; the repair is the full walk (cloutly/verify.hpp).
  awaitable<verify_report> verify(verify_run& run) override {
    if (run.stream == "reviews") co_return co_await verify_reviews(run);
    co_return co_await connector::verify(run);
  }

  // Never throws: a cursor that does not parse is just no time.
  std::optional<timestamp> cursor_time(std::string_view stream,
                                       const std::string& cursor) const override {
    if (stream != "reviews") return std::nullopt;
    try {
      return parse_reviews_cursor(cursor).high_water;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }

  awaitable<std::string> check(net::http_client& http, run_counters& counters) override {
    co_return co_await check_source(source_name_, base_url_, fetch_with(http, counters));
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
