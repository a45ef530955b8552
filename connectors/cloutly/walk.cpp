#include "connectors/cloutly/walk.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <utility>

#include "connectors/json_body.hpp"
#include "core/error.hpp"
#include "connectors/review_tables.hpp"

namespace sluice::connectors::cloutly {
namespace {

constexpr std::string_view cursor_form =
    R"({"high_water":"<ISO-8601>","walk":{"offset":<n>,"newest":"<ISO-8601>","full":<bool>,)"
    R"("read":<n>,"least_total":<n>,"tail":["<id>",...]}})";

[[noreturn]] void bad_cursor(const std::string& cursor) {
  throw error(error_kind::data, "cloutly reviews: stored cursor '" + cursor +
                                    "' is not of the form " + std::string(cursor_form) +
                                    "; `sluice reset` forgets it");
}

// An optional timestamp member: absent or null is nullopt; anything but an ISO string is an error.
std::optional<timestamp> time_member(const boost::json::object& json, std::string_view key,
                                     const std::string& cursor) {
  const auto* value = json.if_contains(key);
  if (value == nullptr || value->is_null()) return std::nullopt;
  if (!value->is_string()) bad_cursor(cursor);
  auto t = parse_timestamp(value->get_string());
  if (!t) bad_cursor(cursor);
  return t;
}

// A full walk's count as cursor members (tally.hpp).
void write_tally(boost::json::object& walk, const walk_tally& tally) {
  walk["read"] = tally.read;
  if (tally.least_total) walk["least_total"] = *tally.least_total;
  boost::json::array tail;
  for (const auto& id : tally.tail) tail.emplace_back(id);
  walk["tail"] = std::move(tail);
}

// Absent members are a walk stored before counting existed: it counts from zero, which can only
// hold its snapshot back, never complete one wrongly.
walk_tally read_tally(const boost::json::object& walk, const std::string& cursor) {
  walk_tally tally;
  if (const auto* read = walk.if_contains("read")) {
    if (!read->is_int64() || read->get_int64() < 0) bad_cursor(cursor);
    tally.read = read->get_int64();
  }
  if (const auto* total = walk.if_contains("least_total"); total && !total->is_null()) {
    if (!total->is_int64()) bad_cursor(cursor);
    tally.least_total = total->get_int64();
  }
  if (const auto* tail = walk.if_contains("tail")) {
    if (!tail->is_array()) bad_cursor(cursor);
    for (const auto& id : tail->get_array()) {
      if (!id.is_string()) bad_cursor(cursor);
      tally.tail.emplace_back(id.get_string());
    }
  }
  return tally;
}

std::optional<timestamp> later(std::optional<timestamp> a, std::optional<timestamp> b) {
  if (!a) return b;
  if (!b) return a;
  return std::max(*a, *b);
}

}  // namespace

// ---- reviews

std::string reviews_cursor_json(const reviews_cursor& cursor) {
  boost::json::object json;
  if (cursor.high_water) json["high_water"] = format_timestamp(*cursor.high_water);
  if (cursor.walk) {
    boost::json::object walk;
    walk["offset"] = cursor.walk->offset;
    if (cursor.walk->newest) walk["newest"] = format_timestamp(*cursor.walk->newest);
    walk["full"] = cursor.walk->full;
    if (cursor.walk->full) write_tally(walk, cursor.walk->tally);
    json["walk"] = std::move(walk);
  }
  return serialize(json);
}

reviews_cursor parse_reviews_cursor(const std::optional<std::string>& cursor) {
  if (!cursor) return {};
  boost::json::error_code ec;
  auto value = boost::json::parse(*cursor, ec);
  if (ec || !value.is_object()) bad_cursor(*cursor);
  const auto& json = value.get_object();

  reviews_cursor result;
  result.high_water = time_member(json, "high_water", *cursor);
  if (const auto* walk_value = json.if_contains("walk"); walk_value && !walk_value->is_null()) {
    if (!walk_value->is_object()) bad_cursor(*cursor);
    const auto& walk = walk_value->get_object();
    const auto* offset = walk.if_contains("offset");
    const auto* full = walk.if_contains("full");
    if (offset == nullptr || !offset->is_int64() || offset->get_int64() < 0) bad_cursor(*cursor);
    if (full == nullptr || !full->is_bool()) bad_cursor(*cursor);
    result.walk = walk_progress{
        offset->get_int64(), time_member(walk, "newest", *cursor), full->get_bool(), {}};
    if (result.walk->full) result.walk->tally = read_tally(walk, *cursor);
  }
  return result;
}

net::query_params reviews_query(std::int64_t offset) {
  return {{"limit", std::to_string(reviews_limit)},
          {"offset", std::to_string(offset)},
          {"sort", "desc"}};
}

walk_plan plan_walk(const reviews_cursor& committed, bool full_requested) {
  // Without a high-water mark an incremental walk would have nowhere to stop: it reads
  // everything anyway, so it may as well be a snapshot.
  bool full = full_requested || !committed.high_water;
  if (committed.walk && (committed.walk->full || !full)) return {*committed.walk, true};
  return {walk_progress{0, std::nullopt, full}, false};
}

std::string backfill_progress_json(const backfill_progress& progress) {
  boost::json::object json;
  json["offset"] = progress.offset;
  if (progress.oldest) json["oldest"] = format_timestamp(*progress.oldest);
  return serialize(json);
}

backfill_progress parse_backfill_progress(const std::optional<std::string>& progress) {
  if (!progress) return {};
  auto bad = [&]() -> error {
    return error(error_kind::data,
                 "cloutly reviews: stored backfill progress '" + *progress +
                     R"(' is not of the form {"offset":<n>,"oldest":"<ISO-8601>"})");
  };
  boost::json::error_code ec;
  auto value = boost::json::parse(*progress, ec);
  if (ec || !value.is_object()) throw bad();
  const auto& json = value.get_object();
  const auto* offset = json.if_contains("offset");
  if (offset == nullptr || !offset->is_int64() || offset->get_int64() < 0) throw bad();
  backfill_progress result{offset->get_int64(), std::nullopt};
  if (const auto* oldest = json.if_contains("oldest"); oldest && !oldest->is_null()) {
    if (!oldest->is_string()) throw bad();
    result.oldest = parse_timestamp(oldest->get_string());
    if (!result.oldest) throw bad();
  }
  return result;
}

reviews_walk::reviews_walk(const walk_start& start) {
  if (start.backfill) {
    // The stored text is the job's progress: the live cursor plays no part in a backfill.
    auto progress = parse_backfill_progress(start.cursor);
    backfill_ = true;
    at_ = walk_progress{progress.offset, std::nullopt, false};
    oldest_ = progress.oldest;
    resumed_ = start.cursor.has_value();
    floor_ = start.backfill->since;
    return;
  }
  committed_ = parse_reviews_cursor(start.cursor);
  auto plan = plan_walk(committed_, start.full);
  at_ = plan.at;
  resumed_ = plan.resumed;
  tally_ = review_tally(at_.tally);
  if (at_.full) {
    floor_ = start.start_date;
  } else {
    floor_ = *committed_.high_water - start.lookback;  // plan_walk: incremental needs one
  }
}

std::optional<record_batch> reviews_walk::on_page(reviews_page answer) {
  ++pages_;
  std::vector<std::string> ids;
  ids.reserve(answer.records.size());
  record_batch batch{&tables::reviews, {}, std::nullopt};
  batch.rows.reserve(answer.records.size());
  for (auto& review : answer.records) {
    ids.push_back(review.id);
    at_.newest = later(at_.newest, review.created_at);
    if (!oldest_ || review.created_at < *oldest_) oldest_ = review.created_at;
    if (floor_ && review.created_at < *floor_) reached_floor_ = true;
    batch.rows.push_back(std::move(review.values));
  }
  const auto returned = static_cast<std::int64_t>(batch.rows.size());
  // Consecutive pages share page_overlap reviews by design; a page that repeats the previous one
  // whole, though, was served from the same place: the server ignored `offset`. Unless it is
  // shorter than the walk's fullest page: the listing's last few reviews, pushed down by reviews
  // that arrived since, come back at the next offset.
  const bool short_page = returned < fullest_page_;
  if (!ids.empty() && ids == previous_ids_ && !short_page)
    throw error(error_kind::data, "cloutly reviews: the page at offset " +
                                      std::to_string(at_.offset) +
                                      " repeats the reviews of the page before; the server "
                                      "ignores `offset`, stopping");
  fullest_page_ = std::max(fullest_page_, returned);
  const std::int64_t fresh = tally_.count_page(ids, answer.total);

  // Where the walk ends: at an empty page, at a page reaching the floor, or at a page that is
  // shorter than the server's pages and holds nothing new to this walk: the end of the listing,
  // reached again by the overlap (or by the last reviews, pushed down by arrivals, which would
  // otherwise be chased one request at a time). Never at `total` (undocumented, tally.hpp) nor at
  // a page merely shorter than the `limit` asked (the server may cap it).
  done_ = returned == 0 || reached_floor_ || (short_page && fresh == 0);

  // The server may cap `limit`: what it returned is how far the listing moved. The next page
  // starts `page_overlap` reviews early: a review deleted at the source while we walk moves
  // everything after it up by one, and without the overlap the review that slid across the page
  // boundary would be skipped (and, after a full walk, wrongly marked deleted). Arrivals at the
  // head move reviews down instead, which only causes re-reads. Tiny pages advance fully, so
  // every page moves the walk forward.
  const std::int64_t end = at_.offset + returned;
  const std::int64_t next = (done_ || returned <= 2 * page_overlap) ? end : end - page_overlap;
  tally_.set_tail(ids, static_cast<std::size_t>(end - next));
  previous_ids_ = std::move(ids);
  check_progress();
  at_.offset = next;
  if (at_.full) at_.tally = tally_.state();
  return batch_for(std::move(batch));
}

void reviews_walk::check_progress() const {
  if (pages_ <= tally_.read() + extra_pages_allowed && pages_ <= max_pages) return;
  throw error(error_kind::data,
              "cloutly reviews: " + std::to_string(pages_) + " pages read up to offset " +
                  std::to_string(at_.offset) + " brought only " + std::to_string(tally_.read()) +
                  " distinct reviews; the server does not honour `offset`, stopping");
}

// The batch of a page and the cursor it commits (see on_page in the header).
std::optional<record_batch> reviews_walk::batch_for(record_batch batch) const {
  if (backfill_) {
    if (batch.rows.empty()) return std::nullopt;
    batch.cursor_after = backfill_progress_json({at_.offset, oldest_});
    return batch;
  }
  if (done_ && !at_.full) {
    batch.cursor_after = final_cursor();
    return batch;
  }
  if (batch.rows.empty()) return std::nullopt;  // nothing to write and the position did not move
  batch.cursor_after = reviews_cursor_json({committed_.high_water, at_});
  return batch;
}

std::optional<std::string> reviews_walk::shortfall() const {
  if (!at_.full || !done_ || reached_floor_) return std::nullopt;
  return tally_.shortfall();
}

std::string reviews_walk::final_cursor() const {
  return reviews_cursor_json({later(committed_.high_water, at_.newest), std::nullopt});
}

// ---- businesses

std::vector<record_batch> businesses_batches(std::vector<row> rows) {
  std::vector<record_batch> batches;
  for (std::size_t first = 0; first < rows.size(); first += businesses_batch_rows) {
    auto last = std::min(rows.size(), first + businesses_batch_rows);
    record_batch batch{&tables::businesses, {}, std::nullopt};
    batch.rows.reserve(last - first);
    for (auto i = first; i < last; ++i) batch.rows.push_back(std::move(rows[i]));
    batches.push_back(std::move(batch));
  }
  return batches;
}

}  // namespace sluice::connectors::cloutly
