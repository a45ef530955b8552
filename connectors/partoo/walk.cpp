#include "connectors/partoo/walk.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cstdio>
#include <utility>

#include "connectors/json_body.hpp"
#include "core/error.hpp"
#include "connectors/review_tables.hpp"

namespace sluice::connectors::partoo {
namespace {

// Pages in a row under one bound before the walk gives up: a tie block of a million reviews, or
// a server inventing pages. Only a broken server gets here; better a clear failure than a loop.
constexpr std::int64_t max_pages_per_bound = 10'000;

timestamp whole_seconds(timestamp t) {
  return std::chrono::time_point_cast<timestamp::duration>(
      std::chrono::floor<std::chrono::seconds>(t));
}

timestamp next_whole_second(timestamp t) {
  return std::chrono::time_point_cast<timestamp::duration>(
      std::chrono::ceil<std::chrono::seconds>(t));
}

std::optional<timestamp> later(std::optional<timestamp> a, std::optional<timestamp> b) {
  if (!a) return b;
  if (!b) return a;
  return std::max(*a, *b);
}

// The stored cursor as an object; throws for anything else. The stream names the message.
boost::json::object cursor_object(const std::string& cursor, std::string_view stream) {
  boost::json::error_code ec;
  auto value = boost::json::parse(cursor, ec);
  if (ec || !value.is_object())
    throw error(error_kind::data, "partoo " + std::string(stream) + ": stored cursor '" + cursor +
                                      "' is not a JSON object; `sluice reset` forgets it");
  return std::move(value.get_object());
}

[[noreturn]] void bad_cursor(const std::string& cursor, std::string_view stream,
                             std::string_view expected) {
  throw error(error_kind::data, "partoo " + std::string(stream) + ": stored cursor '" + cursor +
                                    "' is not of the form " + std::string(expected) +
                                    "; `sluice reset` forgets it");
}

std::optional<timestamp> cursor_time(const boost::json::object& cursor, std::string_view key) {
  const auto* value = cursor.if_contains(key);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return parse_timestamp(value->get_string());
}

// A server that ignores `page` answers every page alike; one that invents pages never ends. Both
// would keep a stream busy until max_page, if it ever comes.
// `page` counts the pages read under the current bound.
void check_progress(const std::vector<std::string>& previous_ids,
                    const std::vector<std::string>& ids, std::string_view stream,
                    std::int64_t page) {
  if (!ids.empty() && ids == previous_ids)
    throw error(error_kind::data, "partoo " + std::string(stream) + ": page " +
                                      std::to_string(page) +
                                      " repeats the records of the page before; the server "
                                      "ignores paging, stopping");
  if (page > max_pages_per_bound)
    throw error(error_kind::data, "partoo " + std::string(stream) + ": more than " +
                                      std::to_string(max_pages_per_bound) +
                                      " pages without the lower bound moving; stopping");
}

// A cursor that was written must read back, or every later run would fail until `sluice reset`.
// core's time text round-trips every instant its parser yields (the fuzz target checks it); this
// guard keeps the promise local should that ever change.
std::string checked_time_text(timestamp t, std::string_view stream) {
  auto text = format_timestamp(t);
  if (parse_timestamp(text) != t)
    throw error(error_kind::data, "partoo " + std::string(stream) + ": cursor " + text +
                                      " would not read back; not committing it");
  return text;
}

std::string unix_seconds_text(timestamp t) {
  auto micros = t.time_since_epoch().count();
  auto seconds = micros / 1'000'000;
  auto fraction = micros % 1'000'000;
  if (fraction < 0) {  // floor division, so times before 1970 still read correctly
    fraction += 1'000'000;
    --seconds;
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, "%lld.%06lld", static_cast<long long>(seconds),
                static_cast<long long>(fraction));
  return buf;
}

}  // namespace

std::optional<timestamp> start_bound(std::optional<timestamp> committed, bool full,
                                     std::optional<timestamp> start_date, duration lookback) {
  if (committed && !full) return *committed - lookback;
  return start_date;
}

// ---- reviews

std::string reviews_cursor(timestamp update_date) {
  boost::json::object cursor;
  cursor["update_date"] = checked_time_text(update_date, "reviews");
  return serialize(cursor);
}

std::optional<timestamp> parse_reviews_cursor(const std::optional<std::string>& cursor) {
  if (!cursor) return std::nullopt;
  auto t = cursor_time(cursor_object(*cursor, "reviews"), "update_date");
  if (!t) bad_cursor(*cursor, "reviews", R"({"update_date":"<ISO-8601>"})");
  return t;
}

net::query_params reviews_query(const reviews_position& at, std::optional<timestamp> until,
                                reviews_filter filter) {
  net::query_params params{{"order_by", "update_date"},
                           {"per_page", std::to_string(reviews_per_page)},
                           {"page", std::to_string(at.page)}};
  if (at.bound) params.emplace_back("update_date__gte", format_naive_utc(*at.bound));
  if (until) params.emplace_back("update_date__lte", format_naive_utc(next_whole_second(*until)));
  if (filter == reviews_filter::deleted) params.emplace_back("state__in", "deleted");
  return params;
}

std::optional<reviews_position> next_reviews_position(const reviews_position& at,
                                                      std::span<const timestamp> update_dates,
                                                      std::optional<std::int64_t> max_page) {
  if (update_dates.empty()) return std::nullopt;
  if (max_page && at.page >= *max_page) return std::nullopt;
  auto [lo_it, hi_it] = std::minmax_element(update_dates.begin(), update_dates.end());
  auto lo = whole_seconds(*lo_it);
  auto hi = whole_seconds(*hi_it);
  if (at.bound && hi <= *at.bound) return reviews_position{at.bound, at.page + 1};
  if (lo == hi) return reviews_position{hi, 2};
  return reviews_position{hi, 1};
}

reviews_walk::reviews_walk(const walk_start& start, reviews_filter filter)
    : filter_(filter), clock_(start.now), counters_(start.counters) {
  high_water_ = parse_reviews_cursor(start.cursor);
  // A committed cursor beyond the run's clock was left by a record dated in the future: it counts
  // as now, so the lookback re-reads what it skipped and the next commit repairs it.
  if (high_water_ && *high_water_ > clock_.now()) high_water_ = clock_.now();
  std::optional<timestamp> bound;
  if (start.backfill) {
    // The progress already is where the walk stood; no lookback: nothing below it is unread.
    bound = later(start.backfill->since, high_water_);
    until_ = start.backfill->until;
  } else {
    bound = start_bound(high_water_, start.full, start.start_date, start.lookback);
  }
  if (bound) at_.bound = clock_.for_paging(whole_seconds(*bound));  // what the filter can express
}

std::optional<record_batch> reviews_walk::on_page(page<mapped_review> answer) {
  const std::string_view stream =
      filter_ == reviews_filter::deleted ? "reviews (state__in=deleted)" : "reviews";
  std::vector<std::string> ids;
  std::vector<timestamp> dates;
  ids.reserve(answer.records.size());
  dates.reserve(answer.records.size());
  for (const auto& review : answer.records) {
    ids.push_back(review.id);
    dates.push_back(review.update_date);
  }
  // Before anything is handed out: a page out of order must not move the cursor.
  check_update_order(dates, ids, at_.bound, stream);
  check_progress(previous_ids_, ids, stream, at_.page);
  tally_.on_answer(answer.count);

  record_batch batch{&tables::reviews, {}, std::nullopt};
  batch.rows.reserve(answer.records.size());
  std::vector<timestamp> paging;
  paging.reserve(dates.size());
  for (auto& review : answer.records) {
    tally_.see(review.id);
    if (clock_.in_future(review.update_date))
      warn_future(counters_, "review", review.id, "update_date", review.update_date);
    high_water_ = later(high_water_, clock_.for_cursor(review.update_date));
    paging.push_back(clock_.for_paging(review.update_date));
    batch.rows.push_back(std::move(review.values));
  }
  previous_ids_ = std::move(ids);

  auto next = next_reviews_position(at_, paging, answer.max_page);
  // In update_date order, a page reaching `until` holds or follows everything below it.
  if (until_ && !dates.empty() && dates.back() >= *until_) next.reset();
  if (next) {
    at_ = *next;
  } else {
    done_ = true;
  }
  if (batch.rows.empty()) return std::nullopt;
  if (filter_ == reviews_filter::none) batch.cursor_after = reviews_cursor(*high_water_);
  return batch;
}

// ---- businesses

std::string businesses_cursor_json(const businesses_cursor& cursor) {
  boost::json::object json;
  json["modified"] = checked_time_text(cursor.modified, "businesses");
  json["form"] = cursor.form == time_form::unix_seconds ? "unix" : "iso";
  return serialize(json);
}

std::optional<businesses_cursor> parse_businesses_cursor(const std::optional<std::string>& cursor) {
  if (!cursor) return std::nullopt;
  constexpr std::string_view expected = R"({"modified":"<ISO-8601>","form":"unix"|"iso"})";
  auto json = cursor_object(*cursor, "businesses");
  auto modified = cursor_time(json, "modified");
  if (!modified) bad_cursor(*cursor, "businesses", expected);
  businesses_cursor result{*modified, time_form::unix_seconds};
  if (const auto* form = json.if_contains("form")) {
    if (form->is_string() && form->get_string() == "iso") {
      result.form = time_form::iso;
    } else if (!form->is_string() || form->get_string() != "unix") {
      bad_cursor(*cursor, "businesses", expected);
    }
  }
  return result;
}

net::query_params businesses_query(const businesses_position& at) {
  net::query_params params{{"page", std::to_string(at.page)}};
  if (at.bound)
    params.emplace_back("modified__gte", at.form == time_form::unix_seconds
                                             ? unix_seconds_text(*at.bound)
                                             : format_naive_utc(*at.bound));
  return params;
}

std::optional<businesses_position> next_businesses_position(const businesses_position& at,
                                                            std::size_t records,
                                                            std::optional<std::int64_t> max_page) {
  if (records == 0) return std::nullopt;
  if (max_page && at.page >= *max_page) return std::nullopt;
  auto next = at;
  ++next.page;
  return next;
}

businesses_walk::businesses_walk(const walk_start& start)
    : clock_(start.now), counters_(start.counters) {
  high_water_ = parse_businesses_cursor(start.cursor);
  if (high_water_ && high_water_->modified > clock_.now()) high_water_->modified = clock_.now();
  auto committed = high_water_ ? std::optional(high_water_->modified) : std::nullopt;
  at_.bound = start.backfill ? later(start.backfill->since, committed)
                             : start_bound(committed, start.full, start.start_date, start.lookback);
  if (at_.bound) at_.bound = std::min(*at_.bound, clock_.now());
  // The wire form is the server's habit, known from the last run even when --full drops the bound.
  if (high_water_) at_.form = high_water_->form;
}

std::vector<record_batch> businesses_walk::on_page(page<mapped_business> answer) {
  std::vector<std::string> ids;
  ids.reserve(answer.records.size());
  for (const auto& business : answer.records) ids.push_back(business.id);
  // Page 0 of a server counting from 1 may repeat page 1: that is an answer, not a loop.
  if (!probing_zero_) check_progress(previous_ids_, ids, "businesses", at_.page);
  tally_.on_answer(answer.count);
  record_batch batch{&tables::businesses, {}, std::nullopt};
  batch.rows.reserve(answer.records.size());
  for (auto& business : answer.records) {
    tally_.see(business.id);
    if (clock_.in_future(business.modified))
      warn_future(counters_, "business", business.id, "modified", business.modified);
    auto modified = clock_.for_cursor(business.modified);
    if (!high_water_ || modified > high_water_->modified)
      high_water_ = businesses_cursor{modified, business.form};
    batch.rows.push_back(std::move(business.values));
  }
  previous_ids_ = std::move(ids);

  std::vector<record_batch> out;
  if (!batch.rows.empty()) {
    if (held_) out.push_back(std::move(*held_));
    held_ = std::move(batch);
  }
  auto next = probing_zero_ ? std::nullopt
                            : next_businesses_position(at_, previous_ids_.size(), answer.max_page);
  if (next) {
    at_ = *next;
  } else if (!probing_zero_ && at_.page >= 1 && !tally_.complete()) {
    probing_zero_ = true;  // businesses are missing: the server may count pages from 0
    at_.page = 0;
  } else {
    for (auto& batch_out : finish()) out.push_back(std::move(batch_out));
  }
  return out;
}

std::vector<record_batch> businesses_walk::on_page_refused() { return finish(); }

std::vector<record_batch> businesses_walk::finish() {
  done_ = true;
  probing_zero_ = false;
  std::vector<record_batch> out;
  if (held_) {
    // Only a complete walk proves that nothing at or above the bound was left unread.
    if (tally_.complete()) held_->cursor_after = businesses_cursor_json(*high_water_);
    out.push_back(std::move(*held_));
    held_.reset();
  }
  return out;
}

}  // namespace sluice::connectors::partoo
