#include "connectors/partoo/walk.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cstdio>
#include <utility>

#include "connectors/json_body.hpp"
#include "core/error.hpp"
#include "core/tables.hpp"

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
  cursor["update_date"] = format_timestamp(update_date);
  return serialize(cursor);
}

std::optional<timestamp> parse_reviews_cursor(const std::optional<std::string>& cursor) {
  if (!cursor) return std::nullopt;
  auto t = cursor_time(cursor_object(*cursor, "reviews"), "update_date");
  if (!t) bad_cursor(*cursor, "reviews", R"({"update_date":"<ISO-8601>"})");
  return t;
}

net::query_params reviews_query(const reviews_position& at, std::optional<timestamp> until) {
  net::query_params params{{"order_by", "update_date"},
                           {"per_page", std::to_string(reviews_per_page)},
                           {"page", std::to_string(at.page)}};
  if (at.bound) params.emplace_back("update_date__gte", format_naive_utc(*at.bound));
  if (until) params.emplace_back("update_date__lte", format_naive_utc(next_whole_second(*until)));
  return params;
}

std::optional<reviews_position> next_reviews_position(const reviews_position& at,
                                                      std::span<const timestamp> update_dates,
                                                      std::optional<std::int64_t> max_page) {
  if (update_dates.size() < static_cast<std::size_t>(reviews_per_page)) return std::nullopt;
  if (max_page && at.page >= *max_page) return std::nullopt;
  auto [lo_it, hi_it] = std::minmax_element(update_dates.begin(), update_dates.end());
  auto lo = whole_seconds(*lo_it);
  auto hi = whole_seconds(*hi_it);
  if (at.bound && hi <= *at.bound) return reviews_position{at.bound, at.page + 1};
  if (lo == hi) return reviews_position{hi, 2};
  return reviews_position{hi, 1};
}

reviews_walk::reviews_walk(const walk_start& start) {
  high_water_ = parse_reviews_cursor(start.cursor);
  std::optional<timestamp> bound;
  if (start.backfill) {
    // The progress already is where the walk stood; no lookback: nothing below it is unread.
    bound = later(start.backfill->since, high_water_);
    until_ = start.backfill->until;
  } else {
    bound = start_bound(high_water_, start.full, start.start_date, start.lookback);
  }
  if (bound) at_.bound = whole_seconds(*bound);  // what the filter can express
}

std::optional<record_batch> reviews_walk::on_page(page<mapped_review> answer) {
  std::vector<std::string> ids;
  std::vector<timestamp> dates;
  ids.reserve(answer.records.size());
  dates.reserve(answer.records.size());
  record_batch batch{&tables::reviews, {}, std::nullopt};
  batch.rows.reserve(answer.records.size());
  for (auto& review : answer.records) {
    ids.push_back(review.id);
    dates.push_back(review.update_date);
    if (!high_water_ || review.update_date > *high_water_) high_water_ = review.update_date;
    batch.rows.push_back(std::move(review.values));
  }
  check_progress(previous_ids_, ids, "reviews", at_.page);
  previous_ids_ = std::move(ids);

  auto next = next_reviews_position(at_, dates, answer.max_page);
  // In update_date order, a page reaching `until` holds or follows everything below it.
  if (until_ && !dates.empty() && *std::max_element(dates.begin(), dates.end()) >= *until_)
    next.reset();
  if (next) {
    at_ = *next;
  } else {
    done_ = true;
  }
  if (batch.rows.empty()) return std::nullopt;
  batch.cursor_after = reviews_cursor(*high_water_);
  return batch;
}

// ---- businesses

std::string businesses_cursor_json(const businesses_cursor& cursor) {
  boost::json::object json;
  json["modified"] = format_timestamp(cursor.modified);
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

businesses_walk::businesses_walk(const walk_start& start) {
  high_water_ = parse_businesses_cursor(start.cursor);
  auto committed = high_water_ ? std::optional(high_water_->modified) : std::nullopt;
  at_.bound = start.backfill
                  ? later(start.backfill->since, committed)
                  : start_bound(committed, start.full, start.start_date, start.lookback);
  // The wire form is the server's habit, known from the last run even when --full drops the bound.
  if (high_water_) at_.form = high_water_->form;
}

std::vector<record_batch> businesses_walk::on_page(page<mapped_business> answer) {
  std::vector<std::string> ids;
  ids.reserve(answer.records.size());
  record_batch batch{&tables::businesses, {}, std::nullopt};
  batch.rows.reserve(answer.records.size());
  for (auto& business : answer.records) {
    ids.push_back(business.id);
    if (!high_water_ || business.modified > high_water_->modified)
      high_water_ = businesses_cursor{business.modified, business.form};
    batch.rows.push_back(std::move(business.values));
  }
  check_progress(previous_ids_, ids, "businesses", at_.page);
  previous_ids_ = std::move(ids);

  auto next = next_businesses_position(at_, batch.rows.size(), answer.max_page);
  std::vector<record_batch> out;
  if (!batch.rows.empty()) {
    if (held_) out.push_back(std::move(*held_));
    held_ = std::move(batch);
  }
  if (next) {
    at_ = *next;
    return out;
  }
  done_ = true;
  if (held_) {
    held_->cursor_after = businesses_cursor_json(*high_water_);
    out.push_back(std::move(*held_));
    held_.reset();
  }
  return out;
}

}  // namespace sluice::connectors::partoo
