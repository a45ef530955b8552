// Verification of Partoo businesses (verify.hpp): one count; on drift, the whole search read as
// a snapshot, and the businesses it no longer lists marked deleted.
#include <spdlog/spdlog.h>

#include <boost/json/object.hpp>
#include <utility>

#include "connectors/json_body.hpp"
#include "connectors/partoo/mapping.hpp"
#include "connectors/partoo/verify.hpp"
#include "connectors/partoo/walk.hpp"
#include "core/error.hpp"
#include "connectors/review_tables.hpp"
#include "net/query.hpp"

namespace sluice::connectors::partoo {
namespace {

using boost::asio::awaitable;

// The walk of a full read: every business since start_date (the same bound the live walk
// starts from on a first run), sent in the form the last answers used.
walk_start full_read(const verify_run& run) {
  walk_start start;
  start.cursor = run.cursor;
  start.full = true;
  start.start_date = run.source.start_date;
  start.counters = &run.counters;
  return start;
}

// The API's count of the full read's search: its first page's `count`.
awaitable<std::int64_t> count_businesses(verify_run& run) {
  businesses_walk walk(full_read(run));
  auto url = net::make_url(run.source.base_url, "/business/search", walk.query());
  auto answer = co_await run.http.get(url, &run.counters);
  body_origin origin{run.source.name, url};
  auto body = parse_object_body(answer.body, answer.header_value("Content-Type"), origin);
  array_member(body, "businesses", origin);
  auto count = integer_member(body, "count");
  if (!count)
    throw error(error_kind::data, describe(origin) +
                                      ": the answer has no usable `count`, so the table cannot "
                                      "be verified against it");
  co_return *count;
}

struct snapshot_read {
  std::vector<std::string> ids;
  std::optional<std::int64_t> promised;
  std::int64_t distinct = 0;
};

// One page's answer; nullopt when the walk probes page 0 and the server refuses it as a client
// error (it counts pages from 1: see businesses_walk).
awaitable<std::optional<net::response>> get_page(verify_run& run, const businesses_walk& walk,
                                                 std::string url) {
  try {
    co_return co_await run.http.get(std::move(url), &run.counters);
  } catch (const error& e) {
    if (!walk.probing_page_zero() || e.kind() != error_kind::client) throw;
  }
  co_return std::nullopt;
}

awaitable<snapshot_read> read_all(verify_run& run) {
  businesses_walk walk(full_read(run));
  snapshot_read out;
  while (!walk.done()) {
    auto url = net::make_url(run.source.base_url, "/business/search", walk.query());
    auto answer = co_await get_page(run, walk, url);
    std::vector<record_batch> batches;
    if (answer) {
      auto page = read_businesses_page(answer->body, answer->header_value("Content-Type"),
                                       {run.source.name, url}, run.counters);
      for (const auto& business : page.records) out.ids.push_back(business.id);
      batches = walk.on_page(std::move(page));
    } else {
      batches = walk.on_page_refused();
    }
    for (auto& batch : batches) {
      batch.cursor_after.reset();  // the live cursor is the live walk's alone
      co_await run.out.write(std::move(batch));
    }
  }
  out.promised = walk.tally().promised();
  out.distinct = walk.tally().seen();
  co_return out;
}

// The snapshot's marks: the source's whole table, nothing written since the read began.
awaitable<vanish_result> mark_unlisted(verify_run& run, std::vector<std::string> seen,
                                       timestamp read_started) {
  vanish_request marks;
  marks.table = &tables::businesses;
  marks.spans.push_back({});
  marks.presence = row_presence::live;
  marks.seen = std::move(seen);
  marks.read_started = read_started;
  marks.max_delete_fraction = run.source.max_delete_fraction;
  co_return co_await run.table.mark_vanished(std::move(marks));
}

}  // namespace

awaitable<verify_report> verify_businesses(verify_run& run) {
  verify_report report;
  report.ranges_probed = 1;
  const std::int64_t api = co_await count_businesses(run);
  const std::int64_t table = co_await run.table.count(tables::businesses, row_presence::live);
  report.api_count = api;
  report.table_count = table;
  if (api == table) {
    report.outcome = verify_outcome::matched;
    co_return report;
  }
  report.ranges_drifted = 1;
  if (run.dry_run) {
    report.outcome = verify_outcome::drift;
    report.note = "dry run, nothing changed; a repair reads every business as a snapshot";
    co_return report;
  }
  const timestamp read_started = co_await run.table.clock();
  auto read = co_await read_all(run);
  const auto written = co_await run.out.flush();
  report.rows_repaired = written.inserted + written.updated;
  // A read that got fewer businesses than its count promised proves nothing about the others.
  if (read.promised && read.distinct < *read.promised) {
    report.outcome = verify_outcome::drift;
    report.note = "the read returned " + std::to_string(read.distinct) + " of " +
                  std::to_string(*read.promised) + " businesses; nothing was marked deleted";
    co_return report;
  }
  const auto marks = co_await mark_unlisted(run, std::move(read.ids), read_started);
  report.rows_deleted = marks.deleted;
  report.api_count = co_await count_businesses(run);
  report.table_count = co_await run.table.count(tables::businesses, row_presence::live);
  ++report.ranges_probed;
  report.outcome =
      *report.api_count == *report.table_count ? verify_outcome::repaired : verify_outcome::drift;
  report.note = "read as a snapshot: " + std::to_string(read.distinct) + " businesses, " +
                std::to_string(marks.deleted) + " marked deleted";
  if (marks.suspicious) report.note += "; safety valve held: " + marks.reason;
  co_return report;
}

}  // namespace sluice::connectors::partoo
