// The Partoo connector: fetch a page, map it (mapping.hpp), let the walk (walk.hpp) decide the
// batch's cursor and the next query, hand the batch to the sink, repeat.
#include <spdlog/spdlog.h>

#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "connectors/json_body.hpp"
#include "connectors/partoo/mapping.hpp"
#include "connectors/partoo/partoo.hpp"
#include "connectors/partoo/walk.hpp"
#include "core/error.hpp"
#include "core/tables.hpp"
#include "net/http_client.hpp"
#include "net/query.hpp"

namespace sluice::connectors::partoo {
namespace {

using boost::asio::awaitable;

walk_start start_of(const stream_run& run) {
  return {run.cursor, run.full, run.source.start_date, run.source.lookback, run.backfill};
}

std::string query_text(const net::query_params& query) {
  std::string text;
  for (const auto& [key, value] : query) {
    if (!text.empty()) text += ' ';
    text += key + '=' + value;
  }
  return text;
}

// Each page's batch is written as soon as it is mapped: write() resumes once the batch is queued,
// so the next request overlaps the commit of this one.
awaitable<void> pull_reviews(stream_run& run) {
  reviews_walk walk(start_of(run));
  while (!walk.done()) {
    auto query = walk.query();
    auto url = net::make_url(run.source.base_url, "/reviews", query);
    auto answer = co_await run.http.get(url, &run.counters);
    auto page = read_reviews_page(answer.body, answer.header_value("Content-Type"),
                                  {run.source.name, url}, run.counters);
    spdlog::debug("source '{}' reviews: {} records for {}", run.source.name, page.records.size(),
                  query_text(query));
    if (auto batch = walk.on_page(std::move(page))) co_await run.out.write(std::move(*batch));
  }
}

awaitable<void> pull_businesses(stream_run& run) {
  businesses_walk walk(start_of(run));
  while (!walk.done()) {
    auto query = walk.query();
    auto url = net::make_url(run.source.base_url, "/business/search", query);
    auto answer = co_await run.http.get(url, &run.counters);
    auto page = read_businesses_page(answer.body, answer.header_value("Content-Type"),
                                     {run.source.name, url}, run.counters);
    spdlog::debug("source '{}' businesses: {} records for {}", run.source.name, page.records.size(),
                  query_text(query));
    for (auto& batch : walk.on_page(std::move(page))) co_await run.out.write(std::move(batch));
  }
}

class partoo_connector final : public connector {
public:
  explicit partoo_connector(const source_config& source)
      : source_name_(source.name), base_url_(source.base_url) {}

  // Both streams can re-read a range: reviews by update_date (filtered on both ends), businesses
  // by modified (filtered from `since`; see businesses_walk).
  std::vector<stream_spec> streams() const override {
    return {{"reviews", &tables::reviews, stream_mode::incremental, false, true},
            {"businesses", &tables::businesses, stream_mode::incremental, false, true}};
  }

  awaitable<write_totals> run(stream_run& run) override {
    if (run.backfill)
      spdlog::debug("source '{}' {}: backfill {} from {}", run.source.name, run.stream,
                    run.cursor ? "resumed" : "started", run.cursor.value_or("the range's start"));
    if (run.stream == "reviews") {
      co_await pull_reviews(run);
    } else if (run.stream == "businesses") {
      co_await pull_businesses(run);
    } else {
      throw error(error_kind::config, "source '" + run.source.name + "': partoo has no stream '" +
                                          run.stream + "' (streams: reviews, businesses)");
    }
    co_return co_await run.out.flush();
  }

  // Never throws: a cursor that does not parse (or any failure) is just no time.
  std::optional<timestamp> cursor_time(std::string_view stream,
                                       const std::string& cursor) const override {
    try {
      if (stream == "reviews") return parse_reviews_cursor(cursor);
      if (stream == "businesses") {
        if (auto parsed = parse_businesses_cursor(cursor)) return parsed->modified;
      }
    } catch (const std::exception&) {
    }
    return std::nullopt;
  }

  awaitable<std::string> check(net::http_client& http, run_counters& counters) override {
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
