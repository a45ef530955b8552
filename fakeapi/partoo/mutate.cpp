// The Partoo imitation's mutations (POST /_control/partoo/mutate and businesses/mutate): the
// changes a client must notice, with victims that depend only on the seeds and the current data.
#include "fakeapi/control_body.hpp"
#include "fakeapi/partoo/generator.hpp"
#include "fakeapi/partoo/store.hpp"
#include "fakeapi/victims.hpp"

#include <algorithm>
#include <array>
#include <numeric>
#include <string_view>

namespace sluice::fakeapi::partoo {
namespace {

// POST /_control/partoo/mutate: a typo must not pass for a mutation that changed nothing.
void check_mutation_keys(const boost::json::object& body) {
  static constexpr std::array keys{"update"sv,
                                   "add"sv,
                                   "delete"sv,
                                   "restore"sv,
                                   "seed"sv,
                                   "backdate"sv,
                                   "backdate_hours"sv,
                                   "purge"sv,
                                   "future"sv,
                                   "restore_stale"sv,
                                   "delete_without_state"sv};
  for (const auto& [key, value] : body) {
    if (std::find(keys.begin(), keys.end(), std::string_view(key)) == keys.end()) {
      throw reply_error(
          json_reply(400, errors_json("unknown mutation '" + std::string(key) + "'")));
    }
  }
}

}  // namespace

struct store::mutation {
  boost::json::object body;
  std::uint64_t update_count = 0;
  std::uint64_t add_count = 0;
  std::uint64_t delete_count = 0;
  std::uint64_t restore_count = 0;
  std::uint64_t seed = 1;
  std::uint64_t backdate_count = 0;
  std::uint64_t backdate_hours = 20;
  std::uint64_t future_count = 0;
};

reply store::mutate(const request& req) {
  mutation m;
  m.body = parse_json_object(req);
  const auto& body = m.body;
  check_mutation_keys(body);
  m.update_count = read_count(body, "update", 0);
  m.add_count = read_count(body, "add", 0);
  m.delete_count = read_count(body, "delete", 0);
  m.restore_count = read_count(body, "restore", 0);
  m.seed = read_count(body, "seed", 1);
  m.backdate_count = read_count(body, "backdate", 0);
  m.backdate_hours = read_count(body, "backdate_hours", 20);
  m.future_count = read_count(body, "future", 0);
  if (m.add_count > max_added_per_mutation || m.backdate_count > max_added_per_mutation ||
      m.future_count > max_added_per_mutation) {
    throw reply_error(
        json_reply(400, errors_json("add, backdate and future must be at most 1000000")));
  }
  if (m.backdate_hours > 24 * 365 * 10) {
    throw reply_error(json_reply(400, errors_json("backdate_hours must be at most 87600")));
  }
  if ((m.add_count > 0 || m.backdate_count > 0 || m.future_count > 0) && businesses_.empty()) {
    throw reply_error(json_reply(400, errors_json("no businesses to attach reviews to")));
  }
  return apply(m);
}

reply store::apply(const mutation& m) {
  // Victims depend only on the seeds and the current data; updated and deleted victims are
  // drawn together so they are distinct.
  prng rng(mix64(options_.seed, mix64(0x6d7574, m.seed)));
  std::vector<std::int64_t> live;
  std::vector<std::int64_t> deleted;
  for (const auto& r : reviews_) {
    if (!r.purged) (is_deleted(r) ? deleted : live).push_back(r.id);
  }
  auto [updated, removed] = pick_two_groups(rng, std::move(live), m.update_count, m.delete_count);
  std::vector<std::int64_t> restored = rng.pick_distinct(std::move(deleted), m.restore_count);
  std::sort(updated.begin(), updated.end());
  std::sort(removed.begin(), removed.end());
  std::sort(restored.begin(), restored.end());

  for (const auto id : updated) update_review(id, rng);
  std::vector<std::int64_t> added;
  for (std::uint64_t k = 0; k < m.add_count; ++k) added.push_back(add_review(rng, clock_.tick()));
  for (const auto id : removed) delete_review(id, review_state::deleted);
  for (const auto id : restored) restore_review(id, false);

  json_writer w;
  w.begin_object();
  write_ids(w, "updated", updated);
  write_ids(w, "added", added);
  write_ids(w, "deleted", removed);
  write_ids(w, "restored", restored);
  // The vendor-arguing mutations draw from a stream of their own, so that the ones above pick the
  // same victims whether or not these are asked for too.
  prng more(mix64(options_.seed, mix64(0x6d7575, m.seed)));
  std::vector<std::int64_t> touched = updated;
  for (const auto* ids : {&removed, &restored})
    touched.insert(touched.end(), ids->begin(), ids->end());
  std::sort(touched.begin(), touched.end());
  mutate_more(m, more, touched, w);
  w.end_object();
  ++generation_;
  return json_reply(200, w.take());
}

// `touched`: ids this mutation already changed (sorted); each review changes once per mutation.
void store::mutate_more(const mutation& m, prng& rng, std::vector<std::int64_t>& touched,
                        json_writer& w) {
  const auto& body = m.body;
  // Late arrivals: new reviews whose update_date lies in the past (Partoo fetches the platforms
  // about daily, and update_date may be the platform's own date), below a client's cursor.
  std::vector<std::int64_t> backdated;
  const micros back = static_cast<micros>(m.backdate_hours) * 3600 * micros_per_second;
  for (std::uint64_t k = 0; k < m.backdate_count; ++k)
    backdated.push_back(add_review(rng, clock_.tick() - back));
  write_ids(w, "backdated", backdated);

  // Dated in the future: 9999-12-31T23:00:00-05:00, which is past the year 9999 in UTC.
  std::vector<std::int64_t> future;
  for (std::uint64_t k = 0; k < m.future_count; ++k) {
    clock_.tick();
    future.push_back(add_review(rng, far_future, std::int16_t{-300}));
  }
  write_ids(w, "future", future);

  // Silent hard deletion: gone from every answer, as if it had never existed.
  std::vector<std::int64_t> purged =
      pick_reviews(rng, read_count(body, "purge", 0), false, touched);
  for (const auto id : purged) purge_review(id);
  write_ids(w, "purged", purged);

  // Deleted with a delete_date and `"state": null`.
  std::vector<std::int64_t> stateless =
      pick_reviews(rng, read_count(body, "delete_without_state", 0), false, touched);
  for (const auto id : stateless) delete_review(id, review_state::none);
  write_ids(w, "deleted_without_state", stateless);

  // Restored (state treated again) with the old delete_date left in place.
  std::vector<std::int64_t> stale =
      pick_reviews(rng, read_count(body, "restore_stale", 0), true, touched);
  for (const auto id : stale) restore_review(id, true);
  write_ids(w, "restored_stale", stale);
}

// `count` distinct live (or deleted) reviews not yet touched, in id order; adds them to `touched`.
std::vector<std::int64_t> store::pick_reviews(prng& rng, std::uint64_t count, bool deleted,
                                              std::vector<std::int64_t>& touched) {
  std::vector<std::int64_t> candidates;
  for (const auto& r : reviews_) {
    if (!r.purged && is_deleted(r) == deleted &&
        !std::binary_search(touched.begin(), touched.end(), r.id)) {
      candidates.push_back(r.id);
    }
  }
  auto picked = rng.pick_distinct(std::move(candidates), count);
  std::sort(picked.begin(), picked.end());
  touched.insert(touched.end(), picked.begin(), picked.end());
  std::sort(touched.begin(), touched.end());
  return picked;
}

void store::update_review(std::int64_t id, prng& rng) {
  review& r = by_id(id);
  unindex(r);
  r.update_date = clock_.tick();
  r.text_seed = mix64(r.text_seed, static_cast<std::uint64_t>(r.update_date));
  r.has_content = true;
  if (r.rating != 0) r.rating = different_rating(r.rating, rng);
  if (r.recommended >= 0) r.recommended = r.recommended == 1 ? 0 : 1;
  if (rng.percent(50)) {
    r.state = r.state == review_state::treated ? review_state::not_treated : review_state::treated;
  }
  reindex(r);
}

std::int64_t store::add_review(prng& rng, micros update_date,
                               std::optional<std::int16_t> offset_minutes) {
  const auto id = static_cast<std::int64_t>(reviews_.size() + 1);
  prng add_rng(mix64(rng.next(), static_cast<std::uint64_t>(id)));
  review r = make_review(add_rng, id, update_date, businesses_.size());
  r.date = r.update_date;
  r.comment_date = r.update_date;
  r.comments = comment_shape::none;
  r.state = review_state::not_treated;
  r.has_delete_date = false;
  if (offset_minutes) r.offset_minutes = *offset_minutes;
  reviews_.push_back(r);
  reindex(r);
  return id;
}

void store::delete_review(std::int64_t id, review_state state) {
  review& r = by_id(id);
  unindex(r);
  r.update_date = clock_.tick();
  r.delete_date = r.update_date;
  r.has_delete_date = true;
  r.state = state;
  reindex(r);
}

void store::restore_review(std::int64_t id, bool keep_delete_date) {
  review& r = by_id(id);
  unindex(r);
  r.update_date = clock_.tick();
  r.has_delete_date = keep_delete_date;
  r.state = review_state::treated;
  reindex(r);
}

void store::purge_review(std::int64_t id) {
  review& r = by_id(id);
  unindex(r);
  r.purged = true;
}

reply store::mutate_businesses(const request& req) {
  const auto body = parse_json_object(req);
  const std::uint64_t update_count = read_count(body, "update", 0);
  const std::uint64_t seed = read_count(body, "seed", 1);
  prng rng(mix64(options_.seed, mix64(0xb0b, seed)));
  std::vector<std::uint32_t> all(businesses_.size());
  std::iota(all.begin(), all.end(), 0U);
  auto victims = rng.pick_distinct(std::move(all), update_count);
  std::sort(victims.begin(), victims.end());

  json_writer w;
  w.begin_object().key("updated").begin_array();
  for (const auto index : victims) {
    business& b = businesses_[index];
    std::string name = business_name(rng);
    if (name == b.name) name += " II";
    b.name = std::move(name);
    b.modified = clock_.tick();
    w.string(b.id);
  }
  w.end_array().end_object();
  return json_reply(200, w.take());
}

}  // namespace sluice::fakeapi::partoo
