// Verification of Partoo reviews (verify.hpp): learn the default search, count, bisect, re-read
// the drifted spans, mark what vanished, count again.
#include <spdlog/spdlog.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <utility>

#include "connectors/json_body.hpp"
#include "connectors/partoo/bisect.hpp"
#include "connectors/partoo/verify.hpp"
#include "connectors/partoo/verify_probe.hpp"
#include "connectors/partoo/verify_read.hpp"
#include "connectors/partoo/walk.hpp"
#include "connectors/review_tables.hpp"

namespace sluice::connectors::partoo {
namespace {

using boost::asio::awaitable;

// Drifted spans listed in verifications.details, at most; the figures count them all.
constexpr std::size_t max_listed_spans = 20;

// A span's bound as an instant; an open bound stays open.
std::optional<timestamp> bound_instant(std::optional<std::int64_t> second) {
  if (!second) return std::nullopt;
  return at_second(*second);
}

// The span verified: after start_date (whose first whole second bounds it: spans start
// exclusively at a whole second) up to the live cursor's second. Reviews dated after the cursor
// are the next pull's; a table without a cursor is compared with everything.
second_span verified_span(const source_config& source, std::optional<timestamp> committed) {
  second_span root;
  if (source.start_date)
    root.lo =
        std::chrono::ceil<std::chrono::seconds>(*source.start_date).time_since_epoch().count();
  if (committed) root.hi = second_of(*committed);
  return root;
}

struct localized {
  default_search search;
  row_presence presence = row_presence::live;
  std::int64_t api = 0;    // the verified span, as the API counts it
  std::int64_t table = 0;  // and as the table does
  std::int64_t probed = 0;
  bool root_matched = false;
  std::vector<drifted_span> drifted;
};

struct span_counts {
  std::int64_t api = 0;
  std::int64_t table = 0;
};

// The verified span's counts, API and table, taken now.
awaitable<span_counts> count_span(verify_run& run, const second_span& root, row_presence presence) {
  auto times = co_await run.table.times(tables::reviews, "updated_at", presence);
  span_counts out;
  out.table = table_prefix(std::move(times)).within(root);
  out.api = co_await count_reviews_upto(run, root.hi);
  if (root.lo) out.api -= co_await count_reviews_upto(run, root.lo);
  co_return out;
}

awaitable<localized> localize(verify_run& run, const second_span& root) {
  localized out;
  out.search = co_await learn_default_search(run, root.hi);
  out.presence = out.search.includes_deleted ? row_presence::listed : row_presence::live;
  auto times = co_await run.table.times(tables::reviews, "updated_at", out.presence);
  const std::int64_t api_hi = co_await count_reviews_upto(run, root.hi);
  std::int64_t api_lo = 0;
  out.probed = 1;
  if (root.lo) {
    api_lo = co_await count_reviews_upto(run, root.lo);
    ++out.probed;
  }
  bisection b(table_prefix(std::move(times)), root, api_lo, api_hi);
  while (auto at = b.next_probe()) {
    const std::int64_t upto = co_await count_reviews_upto(run, *at);
    b.on_count(upto);
    ++out.probed;
  }
  out.api = b.root_api();
  out.table = b.root_table();
  out.root_matched = b.root_matched();
  out.drifted = b.drifted();
  co_return out;
}

// Both searches a re-read needs; every id goes to `seen`. Returns false for a short read.
awaitable<bool> read_both(verify_run& run, std::optional<timestamp> since,
                          std::optional<timestamp> until, const default_search& search,
                          std::vector<std::string>& seen) {
  auto listed = co_await read_span(run, since, until, false);
  bool complete = !listed.short_read();
  seen.insert(seen.end(), listed.ids.begin(), listed.ids.end());
  if (search.read_deleted) {
    auto deleted = co_await read_span(run, since, until, true);
    complete = complete && !deleted.short_read();
    seen.insert(seen.end(), deleted.ids.begin(), deleted.ids.end());
  }
  co_return complete;
}

struct repair_result {
  write_totals written;
  vanish_result marks;
  bool short_read = false;
  std::optional<timestamp> tail_from;
};

// Re-reads every drifted span, then (only if something would be marked) the recent tail, then
// marks in one transaction. A crash anywhere before that transaction leaves upserts of current
// data and no marks; the next verification finds what is left and finishes.
awaitable<repair_result> repair(verify_run& run, const localized& found,
                                std::optional<timestamp> committed) {
  repair_result out;
  vanish_request marks;
  marks.table = &tables::reviews;
  marks.time_column = "updated_at";
  marks.presence = found.presence;
  marks.max_delete_fraction = run.source.max_delete_fraction;
  marks.read_started = co_await run.table.clock();
  for (const auto& d : found.drifted) {
    const auto since = bound_instant(d.span.lo), until = bound_instant(d.span.hi);
    const bool complete = co_await read_both(run, since, until, found.search, marks.seen);
    out.short_read = out.short_read || !complete;
    marks.spans.push_back({since, until});
  }
  out.written = co_await run.out.flush();
  if (out.short_read) co_return out;

  marks.count_only = true;
  const auto preview = co_await run.table.mark_vanished(marks);
  if (preview.vanished > 0 && committed) {
    out.tail_from = at_second(second_of(*committed - run.source.lookback));
    co_await read_both(run, out.tail_from, std::nullopt, found.search, marks.seen);
    out.written = co_await run.out.flush();
  }
  marks.count_only = false;
  out.marks = co_await run.table.mark_vanished(std::move(marks));
  co_return out;
}

boost::json::object details(const second_span& root, const localized& found,
                            const repair_result* fixed) {
  boost::json::object d;
  d["default_search"] = found.search.how;
  d["compared"] = found.presence == row_presence::listed ? "listed" : "live";
  auto when = [](std::optional<std::int64_t> s) -> boost::json::value {
    if (!s) return nullptr;
    return boost::json::value(format_timestamp(at_second(*s)));
  };
  d["after"] = when(root.lo);
  d["up_to"] = when(root.hi);
  boost::json::array spans;
  for (std::size_t i = 0; i < found.drifted.size() && i < max_listed_spans; ++i) {
    const auto& s = found.drifted[i];
    spans.push_back({{"after", when(s.span.lo)},
                     {"up_to", when(s.span.hi)},
                     {"api", s.api},
                     {"table", s.table}});
  }
  d["drifted"] = std::move(spans);
  if (fixed) {
    d["short_read"] = fixed->short_read;
    d["tail_from"] = fixed->tail_from ? boost::json::value(format_timestamp(*fixed->tail_from))
                                      : boost::json::value(nullptr);
    d["valve_held"] = fixed->marks.suspicious ? boost::json::value(fixed->marks.reason)
                                              : boost::json::value(nullptr);
  }
  return d;
}

std::string repair_note(const localized& found, const repair_result& fixed) {
  std::string note = std::to_string(found.drifted.size()) + " span(s) re-read: " +
                     std::to_string(fixed.written.inserted + fixed.written.updated) +
                     " rows written, " + std::to_string(fixed.marks.deleted) + " marked deleted";
  if (fixed.short_read)
    note += "; a re-read returned fewer records than its count promised, so nothing was marked";
  if (fixed.marks.suspicious) note += "; safety valve held: " + fixed.marks.reason;
  return note;
}

}  // namespace

awaitable<verify_report> verify_reviews(verify_run& run) {
  const auto committed = parse_reviews_cursor(run.cursor);
  const second_span root = verified_span(run.source, committed);
  verify_report report;
  auto found = co_await localize(run, root);
  report.api_count = found.api;
  report.table_count = found.table;
  report.ranges_probed = found.probed;
  report.ranges_drifted = static_cast<std::int64_t>(found.drifted.size());
  if (found.drifted.empty()) {
    report.outcome = found.root_matched ? verify_outcome::matched : verify_outcome::drift;
    report.note =
        found.root_matched ? found.search.how : "the API's counts changed while they were taken";
    report.details = serialize(details(root, found, nullptr));
    co_return report;
  }
  if (run.dry_run) {
    report.outcome = verify_outcome::drift;
    report.note =
        std::to_string(found.drifted.size()) + " span(s) disagree; dry run, nothing changed";
    report.details = serialize(details(root, found, nullptr));
    co_return report;
  }
  const auto fixed = co_await repair(run, found, committed);
  report.rows_repaired = fixed.written.inserted + fixed.written.updated;
  report.rows_deleted = fixed.marks.deleted;
  const auto end = co_await count_span(run, root, found.presence);
  report.ranges_probed += root.lo ? 2 : 1;
  report.api_count = end.api;
  report.table_count = end.table;
  report.outcome = end.api == end.table ? verify_outcome::repaired : verify_outcome::drift;
  report.note = repair_note(found, fixed);
  report.details = serialize(details(root, found, &fixed));
  co_return report;
}

}  // namespace sluice::connectors::partoo
