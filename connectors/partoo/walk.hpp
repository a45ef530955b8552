#pragma once
// How the Partoo streams page through their answers and where their cursors stand: the rules as
// pure functions, and one small state object per stream that applies them page by page. No I/O:
// the connector fetches, these decide what to fetch next and which cursor each batch commits.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "connectors/connector.hpp"
#include "connectors/partoo/mapping.hpp"
#include "connectors/partoo/promises.hpp"
#include "core/record.hpp"
#include "core/run_counters.hpp"
#include "core/time.hpp"
#include "net/query.hpp"

namespace sluice::connectors::partoo {

// What a run starts from (stream_run's fields, minus I/O).
struct walk_start {
  std::optional<std::string> cursor;  // committed cursor JSON; nullopt on a first run
  bool full = false;                  // --full: the cursor does not bound the query
  std::optional<timestamp> start_date;
  duration lookback{};
  // A backfill run (stream_run::backfill): `cursor` is then the job's progress, not the live
  // cursor, and `full`, `start_date` and `lookback` do not apply. Each stream's walk says how.
  std::optional<backfill_range> backfill{};
  // The run's clock: no cursor moves past it (see clock_rule). A committed cursor beyond it (left
  // by a record dated in the future) counts as now.
  timestamp now = std::chrono::time_point_cast<duration>(std::chrono::system_clock::now());
  // Where records dated in the future are counted as warnings; none in unit tests.
  run_counters* counters = nullptr;
};

// The query's lower bound at the start of a run: the committed cursor minus the lookback (applied
// once, here), else start_date, else none (all history). --full ignores the cursor.
std::optional<timestamp> start_bound(std::optional<timestamp> committed, bool full,
                                     std::optional<timestamp> start_date, duration lookback);

// ---- reviews: GET /reviews?order_by=update_date&per_page=100&page=P&update_date__gte=<bound>

// Asked for; the server may answer fewer per page (the 2021 API description says 30), and nothing
// below depends on getting what was asked.
inline constexpr std::int64_t reviews_per_page = 100;

// A walk's state filter. The unfiltered search returns whatever states the server's default
// includes (deleted reviews or not; states added after the documented enum); the deleted walk
// asks for `state__in=deleted` explicitly, so deletions arrive either way.
enum class reviews_filter { none, deleted };

struct reviews_position {
  std::optional<timestamp> bound;  // update_date__gte, whole seconds (Partoo's filter format)
  std::int64_t page = 1;
  bool operator==(const reviews_position&) const = default;
};

// `{"update_date":"2017-08-01T17:15:54.256000Z"}`; parse throws sluice::error (kind data) for a
// stored cursor that is not of this form.
std::string reviews_cursor(timestamp update_date);
std::optional<timestamp> parse_reviews_cursor(const std::optional<std::string>& cursor);

// The bound travels as naive UTC seconds; make_url percent-encodes it (`17%3A15%3A54`).
// `until` (a backfill's exclusive end) becomes update_date__lte, rounded up to the next whole
// second: the filter is inclusive and takes whole seconds, so this admits everything below
// `until` plus at most one second at or past it, which the walk writes too (current data, and
// the upsert makes it harmless).
net::query_params reviews_query(const reviews_position& at,
                                std::optional<timestamp> until = std::nullopt,
                                reviews_filter filter = reviews_filter::none);

// The paging rule, after one page (its update dates in answer order) of the query at `at`;
// nullopt when the walk is done.
//
// Done when the page is empty or the last the answer announced (max_page). A page shorter than
// per_page ends nothing: the server may serve fewer per page than asked. Otherwise with lo/hi the
// page's smallest/largest update_date truncated to seconds:
//   lo < hi: re-query from hi, page 1. Everything below hi (and at or above the bound) has been
//     seen; records sharing hi may continue on the next page, and __gte is inclusive, so the
//     re-query repeats a few of them, which the idempotent upsert absorbs. Truncating to seconds
//     only widens that overlap.
//   lo == hi (the whole page is one tie block): re-querying from hi would return this page again
//     forever, so step pages inside the block: page P+1 when the bound already is hi, else bound hi
//     and page 2 (page 1 of that query is the block's first records, as many as this page held,
//     all seen by now: the server's page size, whatever it is, is the same for both queries).
// The bound never moves down (reviews_walk refuses an answer below its bound before this rule
// runs).
// Records updated during the walk move to the end of the order and are seen later, in this walk or
// the next run: re-querying from hi never skips. Remaining risk: while we step pages inside one tie
// block, a record of the block already read may be updated; it leaves the block, the block's later
// records shift up by one, and one of them slides onto the page just read and is passed over. Its
// update_date is the block's value, at or below the cursor this run commits, so the next run, which
// starts at cursor - lookback, reads the block again whenever this run moved the cursor less than
// lookback past it (a normal incremental run; a large backlog may need a --full run to be sure).
std::optional<reviews_position> next_reviews_position(const reviews_position& at,
                                                      std::span<const timestamp> update_dates,
                                                      std::optional<std::int64_t> max_page);

// The reviews stream's walk through one run.
//
// A backfill walk (walk_start::backfill) is the same walk over [since, until) of update_date:
// it starts at max(since, progress) with no lookback, sends `until` as update_date__lte, and also
// ends after the first page reaching `until` (a server ignoring the filter would otherwise walk on
// to the present). Its batches' cursor_after, same form as the live cursor, is the job's progress:
// the largest update_date read so far, from which a resumed job continues (re-reading at most the
// tie block it stood in). Remaining risk, as in a live walk: a record of a tie block longer than a
// page that is updated while the walk steps through the block lets one later record of the block
// slide onto a page already read; a live run's lookback catches that, a backfill has none, so a
// backfill overlapping such edits may miss that one record (a second backfill reads it).
//
// The deleted walk (reviews_filter::deleted) is the same walk with `state__in=deleted`, from the
// same start. Its batches carry no cursor: it runs before the unfiltered walk, which alone moves
// the cursor (see the connector for why that order makes a crash at any point harmless).
//
// Every answer is checked before its batch is handed out: dates in order and not below the bound
// (else kind data, and the cursor stays where the last good page left it); records dated past
// now + future_skew are stored with a warning, page as one tie block at now + skew, and move the
// cursor no further than now.
class reviews_walk {
public:
  // Throws (kind data) for a malformed cursor.
  explicit reviews_walk(const walk_start& start, reviews_filter filter = reviews_filter::none);

  bool done() const noexcept { return done_; }
  const reviews_position& position() const noexcept { return at_; }
  net::query_params query() const { return reviews_query(at_, until_, filter_); }

  // Takes the answer to query(); returns the batch to write for it (none for an empty page).
  // Each batch of the unfiltered walk commits cursor_after = max(committed cursor, largest
  // update_date seen so far, at most now), at full precision: the cursor never moves backwards
  // (but from beyond now, where a record dated in the future may have left it, it comes back).
  // Throws sluice::error (kind data) when the answer breaks the order (check_update_order) or
  // when the server answers a new page with exactly the records of the previous one (it ignores
  // `page`), which would otherwise loop until max_page.
  std::optional<record_batch> on_page(page<mapped_review> answer);

  // Whether the walk read as many distinct reviews as its first answer's count promised.
  const distinct_tally& tally() const noexcept { return tally_; }

private:
  reviews_position at_;
  reviews_filter filter_;
  clock_rule clock_;
  run_counters* counters_;
  std::optional<timestamp> until_;  // a backfill's exclusive end
  std::optional<timestamp> high_water_;
  std::vector<std::string> previous_ids_;
  distinct_tally tally_;
  bool done_ = false;
};

// ---- businesses: GET /business/search?page=P&modified__gte=<bound> (30 per page, fixed by Partoo)

struct businesses_cursor {
  timestamp modified;
  time_form form = time_form::unix_seconds;
  bool operator==(const businesses_cursor&) const = default;
};

// `{"modified":"2019-06-24T00:11:51.681374Z","form":"unix"}`; parse throws (kind data) when
// malformed.
std::string businesses_cursor_json(const businesses_cursor& cursor);
std::optional<businesses_cursor> parse_businesses_cursor(const std::optional<std::string>& cursor);

struct businesses_position {
  std::optional<timestamp> bound;  // modified__gte
  time_form form = time_form::unix_seconds;
  std::int64_t page = 1;
  bool operator==(const businesses_position&) const = default;
};

// modified__gte as unix seconds with six decimals (`1561331511.681374`) or naive UTC seconds.
net::query_params businesses_query(const businesses_position& at);

// Every page of one fixed query (the answer's order is not documented, so the bound cannot move
// mid-walk); done after an empty page or the announced last one. Short pages do not end the walk:
// the page size is the server's choice. nullopt: done.
std::optional<businesses_position> next_businesses_position(const businesses_position& at,
                                                            std::size_t records,
                                                            std::optional<std::int64_t> max_page);

// The businesses stream's walk through one run. The new cursor (largest `modified` seen, at most
// now) commits only with the walk's last batch, and only when the walk read as many distinct
// businesses as the first answer's count: with the order unknown, only a complete walk proves
// that everything at or above the bound was seen. A failed or incomplete run therefore re-reads
// from the same bound.
//
// Page numbers: Partoo's newer pages count from 1, its 2021 API description says page defaults
// to 0. The walk asks page 1 first (a server counting from 1 may refuse page 0 with a 400, and
// one counting from 0 answers page 1 with its second page, which is harmless), walks to max_page,
// and when the count shows that businesses are missing, asks page 0 once: a server counting
// from 0 answers it with its first page. A refused page 0 (on_page_refused) ends the walk.
// Remaining risk: if Partoo orders by `modified`, a business modified mid-walk moves to a later
// page and an unchanged one slides onto a page already read; --full runs catch it.
//
// A backfill walk (walk_start::backfill) is the same walk from modified__gte = max(since,
// progress) with no lookback. The API has no upper filter and the order is unknown, so `until`
// cannot end it early: it reads everything modified since `since`, businesses modified at or past
// `until` included (current data; harmless). Its progress is the cursor of the last batch, the
// largest `modified` read, and, as above, is committed only when the walk completes: an
// interrupted job starts over from `since` (a few pages of 30 businesses).
class businesses_walk {
public:
  explicit businesses_walk(const walk_start& start);  // throws (kind data) for a malformed cursor

  bool done() const noexcept { return done_; }
  const businesses_position& position() const noexcept { return at_; }
  net::query_params query() const { return businesses_query(at_); }

  // Takes the answer to query(); returns the batches to write now. A page's rows are held back
  // until the next answer shows whether the page was the last, so the cursor rides on a batch
  // with rows and never on an empty one. Throws (kind data) when a page repeats the previous one.
  std::vector<record_batch> on_page(page<mapped_business> answer);

  // Whether query() asks page 0 after the walk from page 1 came up short.
  bool probing_page_zero() const noexcept { return probing_zero_; }
  // The server refused that page 0 (a client error): it counts from 1. Ends the walk.
  std::vector<record_batch> on_page_refused();

  const distinct_tally& tally() const noexcept { return tally_; }

private:
  std::vector<record_batch> finish();

  businesses_position at_;
  clock_rule clock_;
  run_counters* counters_;
  std::optional<businesses_cursor> high_water_;
  std::optional<record_batch> held_;
  std::vector<std::string> previous_ids_;
  distinct_tally tally_;
  bool probing_zero_ = false;
  bool done_ = false;
};

}  // namespace sluice::connectors::partoo
