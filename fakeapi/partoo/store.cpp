#include "fakeapi/partoo/store.hpp"

#include "fakeapi/partoo/generator.hpp"

#include <algorithm>
#include <cctype>
#include <numeric>
#include <stdexcept>
#include <string_view>

namespace sluice::fakeapi::partoo {
namespace {

constexpr std::size_t request_log_limit = 10'000;

}  // namespace

store::store(options opts) : options_(std::move(opts)), switches_(options_.switches) {
  org_id_ = 1000 + static_cast<std::int64_t>(mix64(options_.seed, 0x0c9) % 9000);
  if (options_.businesses == 0 && options_.reviews != 0) options_.businesses = 1;
  businesses_.reserve(options_.businesses);
  for (std::size_t i = 0; i < options_.businesses; ++i)
    businesses_.push_back(make_business(options_.seed, i));
  reviews_ = generate_reviews(options_);
  build_index();
  micros latest = range_begin;
  for (const auto& r : reviews_) latest = std::max(latest, r.update_date);
  clock_.start_at(latest + 60 * micros_per_second);
}

void store::build_index() {
  by_update_.resize(reviews_.size());
  std::iota(by_update_.begin(), by_update_.end(), 0U);
  std::sort(by_update_.begin(), by_update_.end(), [this](std::uint32_t a, std::uint32_t b) {
    const review& x = reviews_[a];
    const review& y = reviews_[b];
    return x.update_date != y.update_date ? x.update_date < y.update_date : x.id < y.id;
  });
}

std::size_t store::index_position(micros update_date, std::int64_t id) const {
  const auto it = std::partition_point(by_update_.begin(), by_update_.end(), [&](std::uint32_t i) {
    const review& r = reviews_[i];
    return r.update_date != update_date ? r.update_date < update_date : r.id < id;
  });
  return static_cast<std::size_t>(it - by_update_.begin());
}

void store::unindex(const review& r) {
  by_update_.erase(by_update_.begin() +
                   static_cast<std::ptrdiff_t>(index_position(r.update_date, r.id)));
}

void store::reindex(const review& r) {
  by_update_.insert(
      by_update_.begin() + static_cast<std::ptrdiff_t>(index_position(r.update_date, r.id)),
      static_cast<std::uint32_t>(r.id - 1));
}

bool store::visible(const review& r, const review_query& q) const {
  if (!q.states) return switches_.deleted == deleted_search::include || !is_deleted(r);
  const std::string_view state =
      is_deleted(r) ? "deleted"sv : shown_state(r, switches_.extra_states);
  return std::find(q.states->begin(), q.states->end(), state) != q.states->end();
}

std::size_t review_selection::size() const {
  return list_ != nullptr ? list_->size() : (*shown_)[hi_] - (*shown_)[lo_];
}

std::uint32_t review_selection::operator[](std::size_t k) const {
  if (list_ != nullptr) return (*list_)[k];
  // The first i with shown[i] past the k-th shown review after lo: index_[i - 1] is that review.
  const auto wanted = static_cast<std::uint32_t>((*shown_)[lo_] + k + 1);
  const auto at = std::lower_bound(shown_->begin(), shown_->end(), wanted);
  return (*index_)[static_cast<std::size_t>(at - shown_->begin()) - 1];
}

std::string store::visibility_key(const review_query& q) const {
  std::string key = q.states                                       ? "in:"
                    : switches_.deleted == deleted_search::include ? "all"
                                                                   : "live";
  if (q.states) {
    for (const auto& s : *q.states) key += s + ",";
  }
  return key;
}

const std::vector<std::uint32_t>& store::shown_counts(const review_query& q) {
  std::string key = visibility_key(q);
  if (counts_.valid && counts_.generation == generation_ && counts_.key == key)
    return counts_.shown;
  auto& shown = counts_.shown;
  shown.assign(by_update_.size() + 1, 0);
  for (std::size_t i = 0; i < by_update_.size(); ++i)
    shown[i + 1] = shown[i] + (visible(reviews_[by_update_[i]], q) ? 1 : 0);
  counts_.key = std::move(key);
  counts_.generation = generation_;
  counts_.valid = true;
  return shown;
}

const std::vector<std::uint32_t>& store::matching(std::size_t lo, std::size_t hi,
                                                  const review_query& q) {
  std::string key = visibility_key(q);
  key += q.ordering == review_order::id          ? "/id"
         : q.ordering == review_order::ascending ? "/asc"
                                                 : "/desc";
  if (cache_.valid && cache_.lo == lo && cache_.hi == hi && cache_.generation == generation_ &&
      cache_.key == key) {
    return cache_.indexes;
  }
  cache_.indexes.clear();
  for (std::size_t k = lo; k < hi; ++k) {
    if (visible(reviews_[by_update_[k]], q)) cache_.indexes.push_back(by_update_[k]);
  }
  auto& v = cache_.indexes;
  if (q.ordering == review_order::id) {
    // Indexes into reviews_ are id - 1: sorting them sorts by id.
    std::sort(v.begin(), v.end());
  } else if (q.ordering == review_order::descending) {
    // Newest first, but equal update_dates stay in id order.
    std::stable_sort(v.begin(), v.end(), [this](std::uint32_t a, std::uint32_t b) {
      return reviews_[a].update_date > reviews_[b].update_date;
    });
  }
  cache_.lo = lo;
  cache_.hi = hi;
  cache_.key = std::move(key);
  cache_.generation = generation_;
  cache_.valid = true;
  return v;
}

review_selection store::select(const review_query& q) {
  // The date filters are a contiguous range of the (update_date, id) index.
  const auto first = by_update_.begin();
  std::size_t lo = 0;
  std::size_t hi = by_update_.size();
  if (q.gte) {
    lo = static_cast<std::size_t>(
        std::partition_point(first, by_update_.end(),
                             [&](std::uint32_t i) { return reviews_[i].update_date < *q.gte; }) -
        first);
  }
  if (q.lte) {
    hi = static_cast<std::size_t>(
        std::partition_point(first, by_update_.end(),
                             [&](std::uint32_t i) { return reviews_[i].update_date <= *q.lte; }) -
        first);
  }
  hi = std::max(hi, lo);
  if (q.ordering == review_order::ascending) return {by_update_, shown_counts(q), lo, hi};
  return review_selection(matching(lo, hi, q));
}

std::vector<std::uint32_t> store::businesses_by_modified() const {
  std::vector<std::uint32_t> order(businesses_.size());
  std::iota(order.begin(), order.end(), 0U);
  std::sort(order.begin(), order.end(), [this](std::uint32_t a, std::uint32_t b) {
    const business& x = businesses_[a];
    const business& y = businesses_[b];
    return x.modified != y.modified ? x.modified < y.modified : x.id < y.id;
  });
  return order;
}

void store::log_request(const request& req) {
  logged_request entry{std::string(req.http.method_string()), std::string(req.http.target()), {}};
  for (const auto& field : req.http) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    entry.headers.push_back(std::move(name));
  }
  request_log_.push_back(std::move(entry));
  if (request_log_.size() > request_log_limit) request_log_.pop_front();
}

reply store::all_reviews(const request& req) const {
  // With ?annotate=true each review also carries "_business_reply": the content of the business's
  // answer in its thread, or null: what the fake knows by construction and a client must work out.
  const bool annotate = req.param("annotate") == "true";
  json_writer w;
  w.reserve(reviews_.size() * 1500 + 2);
  w.begin_array();
  for (const auto& r : reviews_) {
    if (r.purged) continue;
    if (!annotate) {
      write_review(w, r, context_of(r));
      continue;
    }
    json_writer one;
    write_review(one, r, context_of(r));
    std::string text = one.take();
    text.pop_back();  // the closing brace
    json_writer extra;
    extra.begin_object().key("_business_reply");
    if (const auto reply = business_reply(r, switches_)) {
      extra.string(*reply);
    } else {
      extra.null();
    }
    extra.end_object();
    w.raw(text + "," + extra.take().substr(1));
  }
  w.end_array();
  return json_reply(200, w.take());
}

reply store::settings() const { return json_reply(200, to_json(switches_)); }

reply store::change_settings(const request& req) {
  try {
    switches_ = with_settings(switches_, parse_json_object(req));
  } catch (const std::invalid_argument& e) {
    throw reply_error(json_reply(400, errors_json(e.what())));
  }
  ++generation_;  // cached selections depend on the switches
  return settings();
}

reply store::request_log() const {
  json_writer w;
  w.begin_array();
  for (const auto& entry : request_log_) {
    w.begin_object().key("method").string(entry.method).key("target").string(entry.target);
    w.key("headers").begin_array();
    for (const auto& name : entry.headers) w.string(name);
    w.end_array().end_object();
  }
  w.end_array();
  return json_reply(200, w.take());
}

reply store::reset_request_log() {
  request_log_.clear();
  return json_reply(200, "[]");
}

reply store::all_businesses() const {
  json_writer w;
  w.begin_array();
  for (const auto& b : businesses_) write_business(w, b, org_id_);
  w.end_array();
  return json_reply(200, w.take());
}

}  // namespace sluice::fakeapi::partoo
