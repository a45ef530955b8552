#include "connectors/partoo/verify_read.hpp"

#include <utility>

#include "connectors/partoo/mapping.hpp"
#include "connectors/partoo/walk.hpp"
#include "core/run_log.hpp"
#include "net/query.hpp"

namespace sluice::connectors::partoo {

boost::asio::awaitable<span_read> read_span(verify_run& run, std::optional<timestamp> since,
                                            std::optional<timestamp> until, bool deleted_search) {
  walk_start start;
  // One second past the end: the walk stops after the first page reaching its end, and records
  // sharing the end's exact instant may continue on the next page. The extra second is read and
  // written too (current data); only the span itself is ever marked.
  start.backfill =
      backfill_range{since, until ? std::optional(*until + std::chrono::seconds{1}) : std::nullopt};
  start.counters = &run.counters;
  reviews_walk walk(start, deleted_search ? reviews_filter::deleted : reviews_filter::none);
  span_read out;
  while (!walk.done()) {
    auto url = net::make_url(run.source.base_url, "/reviews", walk.query());
    auto answer = co_await run.http.get(url, &run.counters);
    auto page = read_reviews_page(answer.body, answer.header_value("Content-Type"),
                                  {run.source.name, url}, run.counters);
    for (const auto& review : page.records) out.ids.push_back(review.id);
    if (auto batch = walk.on_page(std::move(page))) {
      batch->cursor_after.reset();  // the live cursor is the live walk's alone
      co_await run.out.write(std::move(*batch));
    }
  }
  out.promised = walk.tally().promised();
  out.distinct = walk.tally().seen();
  // A verification has no sync_runs row: its lines name the source and the stream.
  run_log(log_tag{run.source.name, run.stream})
      .debug("re-read {} to {}{}: {} records ({} promised)",
             since ? format_timestamp(*since) : "the beginning",
             until ? format_timestamp(*until) : "the end", deleted_search ? " (deleted)" : "",
             out.distinct, out.promised.value_or(-1));
  co_return out;
}

}  // namespace sluice::connectors::partoo
