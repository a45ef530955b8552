#pragma once
// The Partoo imitation's state: the generated data as mutations left it, the (update_date, id)
// index the API's date filters cut, the switches, the request log, and the control API's view of
// all of it (dumps, mutations, settings).
#include "fakeapi/fake_clock.hpp"
#include "fakeapi/json_writer.hpp"
#include "fakeapi/partoo/options.hpp"
#include "fakeapi/partoo/records.hpp"
#include "fakeapi/partoo/wire.hpp"
#include "fakeapi/random.hpp"
#include "fakeapi/router.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace sluice::fakeapi::partoo {

enum class review_order { id, ascending, descending };

// The reviews a search selects, in its order, as indexes into store::reviews(): either a list
// made for the query, or a range of the (update_date, id) index read through a running count
// of the reviews the search shows. The second serves the ascending walks, which ask for a new
// range with every page (update_date__gte moves on): building a list per page made the fake
// scan every later review for each page, quadratic in the walk.
class review_selection {
public:
  explicit review_selection(const std::vector<std::uint32_t>& list) : list_(&list) {}
  review_selection(const std::vector<std::uint32_t>& index, const std::vector<std::uint32_t>& shown,
                   std::size_t lo, std::size_t hi)
      : index_(&index), shown_(&shown), lo_(lo), hi_(hi) {}

  std::size_t size() const;
  std::uint32_t operator[](std::size_t k) const;

private:
  const std::vector<std::uint32_t>* list_ = nullptr;
  const std::vector<std::uint32_t>* index_ = nullptr;  // by (update_date, id)
  const std::vector<std::uint32_t>* shown_ = nullptr;  // shown_[i]: shown among index_[0, i)
  std::size_t lo_ = 0;
  std::size_t hi_ = 0;
};

// What GET /reviews selects, once its parameters are read (query.hpp).
struct review_query {
  std::int64_t page = 1;
  std::int64_t per_page = 30;
  review_order ordering = review_order::id;  // without order_by: by id
  std::optional<micros> gte;
  std::optional<micros> lte;
  std::optional<std::vector<std::string>> states;  // state__in
};

class store {
public:
  explicit store(options opts);

  const std::vector<review>& reviews() const { return reviews_; }
  const std::vector<business>& businesses() const { return businesses_; }
  const switch_set& switches() const { return switches_; }
  const std::string& api_key() const { return options_.api_key; }
  std::int64_t org_id() const { return org_id_; }
  review_context context_of(const review& r) const {
    return {businesses_[r.business], org_id_, switches_};
  }

  // What the query selects (date range, state filter or the default search), in the query's
  // order; valid until the next call or change.
  review_selection select(const review_query& q);
  // Indexes into businesses(), by (modified, id).
  std::vector<std::uint32_t> businesses_by_modified() const;

  // Every request that reaches the vendor's code, for checks against its API description.
  void log_request(const request& req);

  // Control API (the answers of /_control/partoo/...).
  reply all_reviews(const request& req) const;
  reply all_businesses() const;
  reply settings() const;
  reply change_settings(const request& req);
  reply request_log() const;
  reply reset_request_log();
  reply mutate(const request& req);
  reply mutate_businesses(const request& req);

private:
  struct mutation;  // a parsed POST /_control/partoo/mutate (mutate.cpp)
  reply apply(const mutation& m);

  void build_index();
  // Positions in by_update_ of the first review at or after (update_date, id).
  std::size_t index_position(micros update_date, std::int64_t id) const;
  void unindex(const review& r);
  void reindex(const review& r);
  bool visible(const review& r, const review_query& q) const;
  const std::vector<std::uint32_t>& matching(std::size_t lo, std::size_t hi, const review_query& q);
  std::string visibility_key(const review_query& q) const;
  const std::vector<std::uint32_t>& shown_counts(const review_query& q);

  void mutate_more(const mutation& m, prng& rng, std::vector<std::int64_t>& touched,
                   json_writer& w);
  std::vector<std::int64_t> pick_reviews(prng& rng, std::uint64_t count, bool deleted,
                                         std::vector<std::int64_t>& touched);
  void update_review(std::int64_t id, prng& rng);
  std::int64_t add_review(prng& rng, micros update_date,
                          std::optional<std::int16_t> offset_minutes = std::nullopt);
  void delete_review(std::int64_t id, review_state state);
  void restore_review(std::int64_t id, bool keep_delete_date);
  void purge_review(std::int64_t id);
  review& by_id(std::int64_t id) { return reviews_[static_cast<std::size_t>(id - 1)]; }

  options options_;
  std::int64_t org_id_ = 0;
  std::vector<business> businesses_;
  std::vector<review> reviews_;           // by id: reviews_[id - 1]
  std::vector<std::uint32_t> by_update_;  // indexes into reviews_, sorted by (update_date, id)
  fake_clock clock_;

  switch_set switches_;

  // What clients sent (method, target, header names), for checks against the vendor's API
  // description; bounded like the router's log.
  struct logged_request {
    std::string method;
    std::string target;
    std::vector<std::string> headers;
  };
  std::deque<logged_request> request_log_;

  struct range_cache {
    std::size_t lo = 0;
    std::size_t hi = 0;
    std::string key;  // state filter and order
    std::uint64_t generation = 0;
    bool valid = false;
    std::vector<std::uint32_t> indexes;
  } cache_;
  struct count_cache {
    std::string key;  // state filter
    std::uint64_t generation = 0;
    bool valid = false;
    std::vector<std::uint32_t> shown;  // shown[i]: reviews the search shows among by_update_[0, i)
  } counts_;
  std::uint64_t generation_ = 0;
};

}  // namespace sluice::fakeapi::partoo
