#pragma once
// How the Cloutly streams page through their answers and where their cursors stand: the rules as
// pure functions, and one small state object that applies them page by page. No I/O: the
// connector fetches, these decide what to fetch next and which cursor each batch commits.
//
// GET /reviews has no date filter and lists newest first (`createdAt` descending), paged by
// `offset`. So a run walks from the newest review down:
//   incremental: until a page reaches reviews created before (high-water mark - lookback);
//   full:        every page, as a snapshot, so the store marks reviews that vanished as deleted.
//                Only a full walk sees edits to older reviews (a reply added, a status changed).
// Pages follow each other with an overlap: each starts `page_overlap` reviews before the end of
// the page before. New reviews arriving during a walk push the others down: the walk re-reads a
// few (the upsert absorbs them), never skips one, as long as fewer than (page size - overlap)
// arrive per page (at 95 per page of 100 it could never catch up). A review DELETED at the source
// during a walk pulls the later ones up by one: the overlap re-reads the one that slid back onto
// the page already read, so up to `page_overlap` deletions between two pages hide nothing.
// Remaining risk: more deletions than that between two pages (or between an interruption and the
// resume), or a server capping pages at 2 * page_overlap or fewer (such pages do not overlap),
// may pass one review over in that walk; after a full walk it is marked deleted until the next
// walk that reads it clears the mark (the row itself is never lost, and a mass disappearance is
// held back by the snapshot safety valve).
//
// The answers' `total` is undocumented (tally.hpp): a walk ends at its first empty page, or at the
// first page that is shorter than the server's own pages and holds only reviews the walk already
// read (the listing's end, seen again through the overlap), or, when incremental or bounded by
// start_date, at the first page reaching its floor; never because the offset reached `total`. A
// full walk that read fewer distinct reviews than `total` reported is incomplete: the connector
// does not complete its snapshot (shortfall()).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "connectors/cloutly/mapping.hpp"
#include "connectors/cloutly/tally.hpp"
#include "connectors/connector.hpp"
#include "core/record.hpp"
#include "core/time.hpp"
#include "net/query.hpp"

namespace sluice::connectors::cloutly {

// ---- reviews: GET /reviews?limit=100&offset=O&sort=desc

// What we ask for. The server may answer fewer (its cap is undocumented): the next offset follows
// from what was returned, never from this.
inline constexpr std::int64_t reviews_limit = 100;

// Reviews re-read at each page boundary, so a deletion during the walk cannot hide one. Pages of
// at most 2 * page_overlap reviews advance by all of them instead: an overlap would leave them
// little or no progress.
inline constexpr std::int64_t page_overlap = 5;

// Pages a walk may read beyond one per distinct review it has read (pages that brought nothing
// new) before it is stopped as a data error: a server serving the same few pages whatever the
// offset would otherwise keep a stream busy forever.
inline constexpr std::int64_t extra_pages_allowed = 10;
// Pages one run of a walk may read at all (ten million reviews at the vendor's smallest known
// page size): the last resort against a server inventing new reviews on every page.
inline constexpr std::int64_t max_pages = 100'000;

// Where an unfinished walk stands; stored in the cursor so that a crash or SIGTERM resumes it
// instead of starting again from the newest page.
struct walk_progress {
  std::int64_t offset = 0;          // where the next page starts, counted from the newest
  std::optional<timestamp> newest;  // the newest createdAt seen in this walk
  bool full = false;                // a full walk (a snapshot) or an incremental one
  walk_tally tally{};               // a full walk's count so far (empty for incremental walks)
  bool operator==(const walk_progress&) const = default;
};

// The reviews stream's cursor (sync_state.cursor), e.g.
//   {"high_water":"2021-02-03T00:00:00.000000Z",
//    "walk":{"offset":300,"newest":"2021-03-01T10:00:00.125000Z","full":true,
//            "read":300,"least_total":1200,"tail":["<id>",...]}}
// (read, least_total and tail only for a full walk; a walk stored without them counts from 0).
// high_water is the newest createdAt of the last completed walk; it moves only when a walk
// completes and never backwards. `walk` is present only while a walk is unfinished. `{}`: a
// completed walk that found no reviews.
struct reviews_cursor {
  std::optional<timestamp> high_water;
  std::optional<walk_progress> walk;
  bool operator==(const reviews_cursor&) const = default;
};

// Timestamps at full precision (microseconds, UTC). parse_reviews_cursor throws sluice::error
// (kind data) for a stored cursor that is not of this form; nullopt parses as `{}`.
std::string reviews_cursor_json(const reviews_cursor& cursor);
reviews_cursor parse_reviews_cursor(const std::optional<std::string>& cursor);

net::query_params reviews_query(std::int64_t offset);

// How a run starts from the stored cursor:
//   - no high-water mark (a first run, or an account that had no reviews): a full walk;
//   - a stored walk compatible with this run (same kind, or a full walk whatever this run asked
//     for) is resumed at its offset, keeping its `newest`. A full walk recorded in the cursor is
//     finished even by an incremental run: finishing a full walk is never wrong, and dropping it
//     would lose the snapshot's progress;
//   - a stored incremental walk when this run is full: a fresh full walk;
//   - otherwise a fresh walk of the kind asked for, from offset 0.
struct walk_plan {
  walk_progress at;
  bool resumed = false;  // continues the stored walk (a full one: begin_snapshot(resume = true))
  bool operator==(const walk_plan&) const = default;
};
walk_plan plan_walk(const reviews_cursor& committed, bool full_requested);

// A backfill job's progress (backfill_jobs.progress; never the live cursor), e.g.
//   {"offset":300,"oldest":"2021-02-03T00:00:00.000000Z"}
// `offset`: where the next page starts, counted from the newest; `oldest`: the oldest createdAt
// read so far (absent before the first review), which shows how far back the job has come.
struct backfill_progress {
  std::int64_t offset = 0;
  std::optional<timestamp> oldest;
  bool operator==(const backfill_progress&) const = default;
};

// parse_backfill_progress throws sluice::error (kind data) for text not of this form; nullopt
// (a job that has not written a batch yet) parses as offset 0.
std::string backfill_progress_json(const backfill_progress& progress);
backfill_progress parse_backfill_progress(const std::optional<std::string>& progress);

// What a run starts from (stream_run's fields, minus I/O).
struct walk_start {
  std::optional<std::string> cursor;  // committed cursor JSON; nullopt on a first run
  bool full = false;                  // --full or a due full refresh
  duration lookback{};
  // Earliest data: a full walk stops after the first page reaching reviews created before it
  // (Cloutly cannot filter by date). Reviews older than it that an earlier configuration loaded
  // are then absent from the snapshot and get marked deleted (the safety valve still applies).
  std::optional<timestamp> start_date;
  // A backfill run (stream_run::backfill): `cursor` is the job's progress (backfill_progress), not
  // the live cursor, and `full`, `lookback` and `start_date` do not apply. See reviews_walk.
  std::optional<backfill_range> backfill{};
};

// The reviews stream's walk through one run.
//
// A backfill walk covers reviews created in [since, until). Without a date filter it is the
// incremental walk with a different floor and bookkeeping: from offset 0 (or the progress's
// offset when the job resumes) down to the first page reaching a review created before `since`
// (no since: to the end of the listing), never a snapshot. Reviews created at or after `until`
// lie on the way there and are written too (current data; the upsert makes it harmless); they
// never end the walk. Every batch commits the progress as its cursor_after, including the last;
// the live cursor and its high-water mark are not involved.
class reviews_walk {
public:
  explicit reviews_walk(const walk_start& start);  // throws (kind data) for a malformed cursor

  // A full walk is a snapshot: the connector calls begin_snapshot(resumed()) before the first
  // page and complete_snapshot(..., final_cursor()) after the last. A backfill walk never is.
  bool full() const noexcept { return at_.full; }
  bool backfill() const noexcept { return backfill_; }
  bool resumed() const noexcept { return resumed_; }
  bool done() const noexcept { return done_; }
  const walk_progress& progress() const noexcept { return at_; }
  // The walk ends after the first page holding a review created before this (none: every page).
  std::optional<timestamp> floor() const noexcept { return floor_; }
  net::query_params query() const { return reviews_query(at_.offset); }

  // Takes the answer to query(); returns the batch to write for it (none for an empty page that
  // has no cursor to carry). The walk is done after an empty page, after a page reaching
  // floor(), or after a page shorter than the walk's fullest that brought no review new to the
  // walk (the listing's end, read again through the overlap or pushed down by arrivals); neither
  // a page shorter than the `limit` asked nor the offset reaching `total` ends it.
  // Otherwise the next page starts page_overlap reviews before this one's end (see page_overlap).
  // Each batch commits cursor_after = {old high_water, walk: progress after this page}, except
  // the last batch of an incremental walk, which commits final_cursor(). A full walk's final
  // cursor is stored by complete_snapshot, only once the whole snapshot arrived.
  // Throws sluice::error (kind data) when the server repeats the previous page whole (it ignores
  // `offset`), when more than extra_pages_allowed pages brought no review not read before, or
  // beyond max_pages.
  std::optional<record_batch> on_page(reviews_page answer);

  // Distinct reviews read by this walk (a resumed full walk: since it started, before the
  // interruption too).
  std::int64_t reviews_read() const noexcept { return tally_.read(); }

  // For a full walk that is done: why its snapshot must not be completed (it read fewer distinct
  // reviews than the listing reported; tally.hpp), or nullopt. A full walk that stopped at
  // start_date read part of the listing on purpose and is not compared.
  std::optional<std::string> shortfall() const;

  // {high_water: max(old high_water, newest seen)}: the cursor once the walk is done. Not for a
  // backfill walk, whose batches carry their progress themselves.
  std::string final_cursor() const;

private:
  void check_progress() const;
  std::optional<record_batch> batch_for(record_batch batch) const;

  reviews_cursor committed_;
  walk_progress at_;
  bool backfill_ = false;
  std::optional<timestamp> oldest_;  // a backfill's progress: the oldest createdAt read
  std::optional<timestamp> floor_;
  bool resumed_ = false;
  bool done_ = false;
  bool reached_floor_ = false;
  std::int64_t pages_ = 0;
  std::int64_t fullest_page_ = 0;  // the most reviews one answer of this walk held
  review_tally tally_;
  std::vector<std::string> previous_ids_;
};

// ---- businesses: GET /businesses, a bare array; a snapshot every run, no cursor

inline constexpr std::size_t businesses_batch_rows = 1000;

// The rows in batches of at most businesses_batch_rows, none carrying a cursor.
std::vector<record_batch> businesses_batches(std::vector<row> rows);

}  // namespace sluice::connectors::cloutly
