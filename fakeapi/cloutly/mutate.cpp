// The Cloutly imitation's mutations (POST /_control/cloutly/mutate and businesses/mutate):
// edited replies, archiving, hard deletions and new records, with victims that depend only on
// the seeds and the current data.
#include "fakeapi/cloutly/generator.hpp"
#include "fakeapi/cloutly/store.hpp"
#include "fakeapi/control_body.hpp"
#include "fakeapi/json_writer.hpp"
#include "fakeapi/victims.hpp"

#include <algorithm>
#include <functional>
#include <numeric>

namespace sluice::fakeapi::cloutly {
reply store::mutate(const request& req) {
  const auto body = parse_json_object(req);
  const std::uint64_t update_count = read_count(body, "update", 0);
  const std::uint64_t add_count = read_count(body, "add", 0);
  const std::uint64_t delete_count = read_count(body, "delete", 0);
  const std::uint64_t archive_count = read_count(body, "archive", 0);
  const std::uint64_t seed = read_count(body, "seed", 1);
  check_added(add_count, "add");
  if (add_count > 0 && live_businesses(businesses_).empty()) {
    throw reply_error(json_reply(400, errors_json("no businesses to attach reviews to")));
  }

  // Victims depend only on the seeds and the current data, and are drawn from the whole list;
  // updated, deleted and archived victims are drawn together so they are distinct. Archived ones
  // come from the reviews not archived yet, drawn last so that a mutation without `archive`
  // picks what it always picked.
  prng rng(mix64(options_.seed, mix64(0x6d7574, seed)));
  std::vector<std::uint32_t> all(reviews_.size());
  std::iota(all.begin(), all.end(), 0U);
  auto [updating, removing] = pick_two_groups(rng, std::move(all), update_count, delete_count);
  std::vector<std::uint32_t> changing = updating;
  changing.insert(changing.end(), removing.begin(), removing.end());
  const auto archiving = pick_to_archive(rng, changing, archive_count);
  // Reported newest first, like the listing.
  std::sort(updating.begin(), updating.end(), std::greater<>());
  std::sort(removing.begin(), removing.end(), std::greater<>());

  // New reviews take the clock first (the first lands 1 s after the newest); appending them
  // leaves the victims' positions valid.
  const auto added = add_reviews(add_count, rng);
  const auto updated = update_reviews(updating);
  const auto archived = archive_reviews(archiving);
  std::vector<std::string> deleted;
  for (const auto position : removing) deleted.push_back(reviews_[position].id);
  // Hard removal, as Cloutly's deletions are: the review simply vanishes from the listing.
  erase_positions(reviews_, removing);
  ++generation_;

  json_writer w;
  w.begin_object();
  write_ids(w, "added", added);
  write_ids(w, "deleted", deleted);
  write_ids(w, "updated", updated);
  write_ids(w, "archived", archived);
  w.end_object();
  return json_reply(200, w.take());
}

// An edited or first reply: new wording, and the status moves on.
std::vector<std::string> store::update_reviews(const std::vector<std::uint32_t>& positions) {
  std::vector<std::string> updated;
  for (const auto position : positions) {
    review& r = reviews_[position];
    const micros now = clock_.tick();
    if (r.has_response) {
      r.response_seed =
          (mix64(r.response_seed, static_cast<std::uint64_t>(now)) & ~std::uint64_t{1}) |
          ((r.response_seed & 1) ^ 1);
      r.status =
          r.status == review_status::resolved ? review_status::responded : review_status::resolved;
    } else {
      r.has_response = true;
      r.response_seed = mix64(r.response_seed, static_cast<std::uint64_t>(now)) & ~std::uint64_t{1};
      r.status = review_status::responded;
    }
    r.response_date = now;
    r.updated = now;
    updated.push_back(r.id);
  }
  return updated;
}

// Archiving is an edit in Cloutly: the review stays listed, flagged isArchived.
std::vector<std::string> store::archive_reviews(const std::vector<std::uint32_t>& positions) {
  std::vector<std::string> archived;
  for (const auto position : positions) {
    reviews_[position].archived = true;
    reviews_[position].updated = clock_.tick();
    archived.push_back(reviews_[position].id);
  }
  return archived;
}

std::vector<std::uint32_t> store::pick_to_archive(prng& rng,
                                                  const std::vector<std::uint32_t>& taken,
                                                  std::uint64_t count) const {
  if (count == 0) return {};
  std::vector<bool> excluded(reviews_.size(), false);
  for (const auto position : taken) excluded[position] = true;
  std::vector<std::uint32_t> candidates;
  for (std::uint32_t i = 0; i < reviews_.size(); ++i) {
    if (!excluded[i] && !reviews_[i].archived) candidates.push_back(i);
  }
  auto chosen = rng.pick_distinct(std::move(candidates), count);
  std::sort(chosen.begin(), chosen.end(), std::greater<>());
  return chosen;
}

reply store::mutate_businesses(const request& req) {
  const auto body = parse_json_object(req);
  const std::uint64_t add_count = read_count(body, "add", 0);
  const std::uint64_t delete_count = read_count(body, "delete", 0);
  const std::uint64_t update_count = read_count(body, "update", 0);
  const std::uint64_t seed = read_count(body, "seed", 1);
  check_added(add_count, "add");
  prng rng(mix64(options_.seed, mix64(0xb0b, seed)));
  auto [updating, removing] =
      pick_two_groups(rng, live_businesses(businesses_), update_count, delete_count);
  std::sort(updating.begin(), updating.end());
  std::sort(removing.begin(), removing.end());

  std::vector<std::string> updated;
  for (const auto index : updating) {
    business& b = businesses_[index];
    std::string name = business_name(rng);
    if (name == b.name) name += " II";
    b.name = std::move(name);
    updated.push_back(b.id);
  }
  // Hard removal from the listing; their reviews stay (and keep pointing at the gone id).
  std::vector<std::string> deleted;
  for (const auto index : removing) {
    businesses_[index].removed = true;
    deleted.push_back(businesses_[index].id);
  }
  std::vector<std::string> added;
  for (std::uint64_t k = 0; k < add_count; ++k) {
    prng add_rng(mix64(rng.next(), k));
    business b = make_business(add_rng, businesses_.size());
    b.created = clock_.tick();
    added.push_back(b.id);
    businesses_.push_back(std::move(b));
  }
  ++generation_;

  json_writer w;
  w.begin_object();
  write_ids(w, "added", added);
  write_ids(w, "deleted", deleted);
  write_ids(w, "updated", updated);
  w.end_object();
  return json_reply(200, w.take());
}

}  // namespace sluice::fakeapi::cloutly
