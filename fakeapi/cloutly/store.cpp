#include "fakeapi/cloutly/store.hpp"

#include "fakeapi/cloutly/generator.hpp"
#include "fakeapi/cloutly/wire.hpp"
#include "fakeapi/control_body.hpp"
#include "fakeapi/json_writer.hpp"

#include <algorithm>

namespace sluice::fakeapi::cloutly {
namespace {

bool matches(const review& r, const business& b, const review_filter& filter) {
  return (!filter.business_id || b.id == *filter.business_id) &&
         (!filter.source || platform_names[static_cast<std::size_t>(r.source)] == *filter.source) &&
         (!filter.show_on_widget || r.show_on_widget == *filter.show_on_widget);
}

}  // namespace

store::store(options opts) : options_(std::move(opts)) {
  if (options_.businesses == 0 && options_.reviews != 0) options_.businesses = 1;
  if (options_.max_limit == 0) options_.max_limit = 1;
  listing_.total = options_.total;
  businesses_ = generate_businesses(options_);
  reviews_ = generate_reviews(options_, businesses_);
  const micros newest = reviews_.empty() ? range_begin : reviews_.back().created;
  clock_.start_at(newest + micros_per_second);
}

std::vector<std::string> store::add_reviews(std::uint64_t count, prng& rng) {
  std::vector<std::string> added;
  if (count == 0) return added;
  if (live_businesses(businesses_).empty()) {
    throw reply_error(json_reply(400, errors_json("no businesses to attach reviews to")));
  }
  for (std::uint64_t k = 0; k < count; ++k) {
    prng add_rng(mix64(rng.next(), k));
    const micros now = clock_.tick();
    review r = make_review(add_rng, now, now, businesses_);
    // Brand new: not answered, not edited, not yet triaged.
    r.updated = now;
    r.has_response = false;
    r.status = review_status::fresh;
    r.archived = false;
    added.push_back(r.id);
    reviews_.push_back(std::move(r));
  }
  ++generation_;
  return added;
}

void store::arrive_if_due() {
  if (options_.arrive_every != 0 && ++arrival_counter_ % options_.arrive_every == 0) {
    prng rng(mix64(options_.seed, mix64(0xa771, ++arrivals_done_)));
    if (!live_businesses(businesses_).empty()) add_reviews(options_.arrive_count, rng);
  }
}

selection store::select(const review_filter& filter) {
  // The account as the listing shows it: everything, nothing, or only the newest N.
  const std::size_t n = reviews_.size();
  std::size_t lo = 0;
  switch (listing_.reviews) {
    case review_listing::normal: break;
    case review_listing::empty: lo = n; break;
    case review_listing::truncate: lo = n - std::min<std::size_t>(n, listing_.truncate_to); break;
  }
  if (!filter.any()) return {nullptr, lo, n - lo};
  const auto& positions = matching(lo, n, filter);
  return {&positions, lo, positions.size()};
}

const std::vector<std::uint32_t>& store::matching(std::size_t lo, std::size_t hi,
                                                  const review_filter& filter) {
  if (!cache_.valid || cache_.lo != lo || cache_.hi != hi || !(cache_.filter == filter) ||
      cache_.generation != generation_) {
    cache_.positions.clear();
    for (std::size_t i = lo; i < hi; ++i) {
      const review& r = reviews_[i];
      if (matches(r, businesses_[r.business], filter))
        cache_.positions.push_back(static_cast<std::uint32_t>(i));
    }
    cache_.lo = lo;
    cache_.hi = hi;
    cache_.filter = filter;
    cache_.generation = generation_;
    cache_.valid = true;
  }
  return cache_.positions;
}

std::size_t store::account_matches(const review_filter& filter) const {
  return static_cast<std::size_t>(
      std::count_if(reviews_.begin(), reviews_.end(),
                    [&](const review& r) { return matches(r, businesses_[r.business], filter); }));
}

reply store::all_reviews() const {
  json_writer w;
  w.reserve(reviews_.size() * 1200 + 2);
  w.begin_array();
  for (auto it = reviews_.rbegin(); it != reviews_.rend(); ++it)
    write_review(w, *it, businesses_[it->business]);
  w.end_array();
  return json_reply(200, w.take());
}

reply store::all_businesses() const {
  json_writer w;
  w.begin_array();
  for (const auto& b : businesses_) {
    if (!b.removed) write_business(w, b);
  }
  w.end_array();
  return json_reply(200, w.take());
}

reply store::arrivals() const {
  json_writer w;
  w.begin_object();
  w.key("every").number(static_cast<std::int64_t>(options_.arrive_every));
  w.key("count").number(static_cast<std::int64_t>(options_.arrive_count));
  w.end_object();
  return json_reply(200, w.take());
}

reply store::set_arrivals(const request& req) {
  // Like /_control/faults: the body is the whole configuration, and counting starts afresh.
  const auto body = parse_json_object(req);
  const std::uint64_t every = read_count(body, "every", 0);
  const std::uint64_t count = read_count(body, "count", 1);
  check_added(count, "count");
  options_.arrive_every = every;
  options_.arrive_count = count;
  arrival_counter_ = 0;
  return arrivals();
}

reply store::listing() const {
  json_writer w;
  w.begin_object();
  w.key("reviews").string(listing_.reviews == review_listing::normal  ? "normal"
                          : listing_.reviews == review_listing::empty ? "empty"
                                                                      : "truncate");
  w.key("truncate_to").number(static_cast<std::int64_t>(listing_.truncate_to));
  w.key("businesses").string(listing_.businesses_empty ? "empty" : "normal");
  w.key("total").string(total_names[static_cast<std::size_t>(listing_.total)]);
  w.end_object();
  return json_reply(200, w.take());
}

reply store::set_listing(const request& req) {
  // Like /_control/faults: the body is the whole configuration; absent keys mean normal.
  const auto body = parse_json_object(req);
  listing_config config;
  const auto reviews = read_word(body, "reviews").value_or("normal");
  if (reviews == "empty") {
    config.reviews = review_listing::empty;
  } else if (reviews == "truncate") {
    if (body.if_contains("truncate_to") == nullptr) {
      throw reply_error(json_reply(400, errors_json("truncate needs truncate_to")));
    }
    config.reviews = review_listing::truncate;
  } else if (reviews != "normal") {
    throw reply_error(json_reply(400, errors_json("reviews must be normal, empty or truncate")));
  }
  config.truncate_to = read_count(body, "truncate_to", 0);
  const auto businesses = read_word(body, "businesses").value_or("normal");
  if (businesses != "normal" && businesses != "empty") {
    throw reply_error(json_reply(400, errors_json("businesses must be normal or empty")));
  }
  config.businesses_empty = businesses == "empty";
  // Absent: what the command line chose (--cloutly-total).
  const auto total = read_word(body, "total");
  const auto named =
      total ? std::find(total_names.begin(), total_names.end(), *total) : total_names.end();
  if (total && named == total_names.end()) {
    throw reply_error(json_reply(400, errors_json("total must be listing, page or account")));
  }
  config.total = total ? static_cast<total_count>(named - total_names.begin()) : options_.total;
  listing_ = config;
  return listing();
}

}  // namespace sluice::fakeapi::cloutly
