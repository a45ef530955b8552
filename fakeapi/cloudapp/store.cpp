#include "fakeapi/cloudapp/store.hpp"

#include "fakeapi/ascii.hpp"
#include "fakeapi/cloudapp/generator.hpp"
#include "fakeapi/cloudapp/wire.hpp"
#include "fakeapi/control_body.hpp"
#include "fakeapi/json_writer.hpp"
#include "fakeapi/victims.hpp"

#include <algorithm>
#include <functional>
#include <string_view>
#include <utility>

namespace sluice::fakeapi::cloudapp {
store::store(options opts) : options_(std::move(opts)) {
  options_.user = ascii_lower(options_.user);
  if (options_.max_per_page == 0) options_.max_per_page = 1;
  generated data = generate_items(options_);
  items_ = std::move(data.items);
  next_id_ = data.next_id;
  clock_.start_at(data.clock_start);
}

const std::vector<std::uint32_t>& store::listing(bool trashed, std::optional<item_type> type) {
  if (!cache_.valid || cache_.trashed != trashed || cache_.type != type ||
      cache_.generation != generation_) {
    cache_.positions.clear();
    for (std::size_t i = 0; i < items_.size(); ++i) {
      const item& it = items_[i];
      if (it.trashed != trashed || (type && it.type != *type)) continue;
      cache_.positions.push_back(static_cast<std::uint32_t>(i));
    }
    cache_.trashed = trashed;
    cache_.type = type;
    cache_.generation = generation_;
    cache_.valid = true;
  }
  return cache_.positions;
}

void store::bump_if_listing_bumps() {
  if (options_.bump_on_list) bump(mix64(0x115, ++list_bumps_));
}

reply store::all_items() const {
  json_writer w;
  w.reserve(2 + items_.size() * 900);
  w.begin_array();
  for (auto it = items_.rbegin(); it != items_.rend(); ++it) write_item(w, *it, true);
  w.end_array();
  return json_reply(200, w.take());
}

std::vector<std::uint64_t> store::bump(std::uint64_t seed) {
  std::vector<std::uint32_t> live;
  for (std::uint32_t i = 0; i < items_.size(); ++i) {
    if (!items_[i].trashed) live.push_back(i);
  }
  prng rng(mix64(options_.seed, mix64(0xb0b5, seed)));
  const std::size_t third = (live.size() + 2) / 3;
  auto chosen = rng.pick_distinct(std::move(live), third);
  std::sort(chosen.begin(), chosen.end(), std::greater<>());
  std::vector<std::uint64_t> ids;
  ids.reserve(chosen.size());
  for (const auto position : chosen) {
    // Only the counter moves: CloudApp does not touch updated_at for a view.
    items_[position].views += static_cast<std::int64_t>(1 + rng.below(5));
    ids.push_back(items_[position].id);
  }
  return ids;
}

reply store::bump_views(const request& req) {
  const auto body = parse_json_object(req);
  const auto ids = bump(read_count(body, "seed", 1));
  json_writer w;
  w.begin_object();
  write_hrefs(w, "bumped", ids);
  w.end_object();
  return json_reply(200, w.take());
}

reply store::mutate(const request& req) {
  const auto body = parse_json_object(req);
  const std::uint64_t trash_count = read_count(body, "trash", 0);
  const std::uint64_t remove_count = read_count(body, "remove", 0);
  const std::uint64_t restore_count = read_count(body, "restore", 0);
  const std::uint64_t add_count = read_count(body, "add", 0);
  const std::uint64_t seed = read_count(body, "seed", 1);
  check_added(add_count, "add");

  // Victims depend only on the seeds and the current data, and are distinct: restored ones come
  // from the trash, trashed ones from the live items, removed ones from whatever is left of both.
  prng rng(mix64(options_.seed, mix64(0x6d7574, seed)));
  std::vector<std::uint32_t> live;
  std::vector<std::uint32_t> in_trash;
  for (std::uint32_t i = 0; i < items_.size(); ++i)
    (items_[i].trashed ? in_trash : live).push_back(i);
  auto restoring = rng.pick_distinct(in_trash, restore_count);
  auto trashing = rng.pick_distinct(live, trash_count);
  std::vector<bool> taken(items_.size(), false);
  for (const auto p : restoring) taken[p] = true;
  for (const auto p : trashing) taken[p] = true;
  std::vector<std::uint32_t> rest;
  for (std::uint32_t i = 0; i < items_.size(); ++i) {
    if (!taken[i]) rest.push_back(i);
  }
  auto removing = rng.pick_distinct(std::move(rest), remove_count);
  // Reported newest first, like the listing.
  for (auto* positions : {&restoring, &trashing, &removing})
    std::sort(positions->begin(), positions->end(), std::greater<>());

  json_writer w;
  w.begin_object();
  const auto restored = restore(restoring);
  const auto trashed = trash(trashing);
  const auto removed = remove(removing);
  write_hrefs(w, "added", add(rng, add_count));
  write_hrefs(w, "trashed", trashed);
  write_hrefs(w, "restored", restored);
  write_hrefs(w, "removed", removed);
  w.end_object();
  ++generation_;
  return json_reply(200, w.take());
}

// Soft delete and restore touch only deleted_at (no callbacks, as paranoia-style gems do).
std::vector<std::uint64_t> store::restore(const std::vector<std::uint32_t>& positions) {
  std::vector<std::uint64_t> restored;
  for (const auto p : positions) {
    items_[p].trashed = false;
    items_[p].deleted = 0;
    restored.push_back(items_[p].id);
  }
  return restored;
}

std::vector<std::uint64_t> store::trash(const std::vector<std::uint32_t>& positions) {
  std::vector<std::uint64_t> trashed;
  for (const auto p : positions) {
    items_[p].trashed = true;
    items_[p].deleted = clock_.tick();
    trashed.push_back(items_[p].id);
  }
  return trashed;
}

std::vector<std::uint64_t> store::remove(const std::vector<std::uint32_t>& positions) {
  std::vector<std::uint64_t> removed;
  for (const auto p : positions) removed.push_back(items_[p].id);
  erase_positions(items_, positions);
  return removed;
}

// New items are the newest of all, so appending keeps the order; answered newest first.
std::vector<std::uint64_t> store::add(prng& rng, std::uint64_t count) {
  std::vector<std::uint64_t> added;
  for (std::uint64_t k = 0; k < count; ++k) {
    prng add_rng(mix64(rng.next(), k));
    item it = make_item(add_rng, next_id_, clock_.tick());
    it.views = 0;
    next_id_ += 1 + add_rng.below(3);
    added.push_back(it.id);
    items_.push_back(it);
  }
  std::reverse(added.begin(), added.end());
  return added;
}

reply store::switches() const {
  json_writer w;
  w.begin_object();
  w.key("omit_deleted_at").boolean(options_.omit_deleted_at);
  w.key("bump_on_list").boolean(options_.bump_on_list);
  w.end_object();
  return json_reply(200, w.take());
}

// Behaviour switches at run time; absent keys keep their current value.
reply store::set_switches(const request& req) {
  const auto body = parse_json_object(req);
  for (const auto& [key, target] :
       {std::pair<std::string_view, bool*>{"omit_deleted_at", &options_.omit_deleted_at},
        std::pair<std::string_view, bool*>{"bump_on_list", &options_.bump_on_list}}) {
    const auto* value = body.if_contains(key);
    if (value == nullptr) continue;
    if (!value->is_bool())
      throw reply_error(json_reply(400, errors_json(std::string(key) + " must be a boolean")));
    *target = value->get_bool();
  }
  return switches();
}

}  // namespace sluice::fakeapi::cloudapp
