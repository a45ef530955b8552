// The Clevertim imitation's mutations (POST /_control/clevertim/mutate): removed, updated and
// added records per resource, with victims that depend only on the seeds and the current data.
#include "fakeapi/clevertim/store.hpp"
#include "fakeapi/control_body.hpp"
#include "fakeapi/json_writer.hpp"
#include "fakeapi/victims.hpp"

#include <algorithm>
#include <numeric>
#include <utility>

namespace sluice::fakeapi::clevertim {
namespace {

// `{"contact":1,"task":2}`: counts per resource name.
counts read_counts(const boost::json::object& body, std::string_view key) {
  counts out{};
  const auto* value = body.if_contains(key);
  if (value == nullptr || value->is_null()) return out;
  if (!value->is_object()) {
    throw reply_error(json_reply(
        400, errors_json(std::string(key) + " must be an object of counts per resource")));
  }
  for (const auto& entry : value->get_object()) {
    const auto r = resource_named(entry.key());
    if (!r)
      throw reply_error(
          json_reply(400, errors_json("unknown resource '" + std::string(entry.key()) + "'")));
    out[index(*r)] = read_count(entry.value(), std::string(key) + "." + std::string(entry.key()));
  }
  return out;
}

}  // namespace

reply store::mutate(const request& req) {
  const auto body = parse_json_object(req);
  for (const auto& entry : body) {
    const std::string_view key = entry.key();
    if (key != "remove" && key != "update" && key != "add" && key != "seed") {
      throw reply_error(json_reply(400, errors_json("unknown key '" + std::string(key) + "'")));
    }
  }
  const counts remove = read_counts(body, "remove");
  const counts update = read_counts(body, "update");
  const counts add_counts = read_counts(body, "add");
  const std::uint64_t seed = read_count(body, "seed", 1);
  for (const auto n : add_counts) {
    if (n > max_added_per_mutation)
      throw reply_error(json_reply(400, errors_json("add counts must be at most 1000000")));
  }

  per_resource<std::vector<std::uint64_t>> removed;
  per_resource<std::vector<std::uint64_t>> updated;
  per_resource<std::vector<std::uint64_t>> added;
  for (const auto r : all_resources)
    remove_and_update(r, remove[index(r)], update[index(r)], seed, removed, updated);
  // Parents before children, so added records can point at records added in the same mutation.
  for (const auto r : add_order) added[index(r)] = add(r, add_counts[index(r)], seed);

  json_writer w;
  w.begin_object();
  const std::array<std::pair<std::string_view, const per_resource<std::vector<std::uint64_t>>*>, 3>
      actions{{{"removed", &removed}, {"updated", &updated}, {"added", &added}}};
  for (const auto& [action, ids] : actions) {
    w.key(action).begin_object();
    for (const auto r : all_resources) write_ids(w, name_of(r), (*ids)[index(r)]);
    w.end_object();
  }
  w.end_object();
  return json_reply(200, w.take());
}

void store::remove_and_update(resource r, std::uint64_t remove_count, std::uint64_t update_count,
                              std::uint64_t seed, per_resource<std::vector<std::uint64_t>>& removed,
                              per_resource<std::vector<std::uint64_t>>& updated) {
  auto& records = data_.records[index(r)];
  const std::size_t removing = std::min<std::uint64_t>(remove_count, records.size());
  const std::size_t updating = std::min<std::uint64_t>(update_count, records.size() - removing);
  if (removing + updating == 0) return;
  // Distinct within the resource: the first `removing` victims go, the rest are updated.
  prng rng(mix64(options_.seed, mix64(0x6d7574 + index(r), seed)));
  std::vector<std::uint32_t> all(records.size());
  std::iota(all.begin(), all.end(), 0U);
  auto victims = rng.pick_distinct(std::move(all), removing + updating);
  std::sort(victims.begin() + static_cast<std::ptrdiff_t>(removing), victims.end());
  for (std::size_t k = removing; k < victims.size(); ++k) {
    record& rec = records[victims[k]];
    rec.salt = rng.next();
    rec.modified = clock_.tick();
    ++rec.revision;
    updated[index(r)].push_back(rec.id);
  }
  std::vector<std::uint32_t> doomed(victims.begin(),
                                    victims.begin() + static_cast<std::ptrdiff_t>(removing));
  std::sort(doomed.begin(), doomed.end());
  for (const auto position : doomed) removed[index(r)].push_back(records[position].id);
  erase_positions(records, doomed);
  cache_[index(r)].reset();
}

std::vector<std::uint64_t> store::add(resource r, std::uint64_t count, std::uint64_t seed) {
  std::vector<std::uint64_t> added;
  if (count == 0) return added;
  prng rng(mix64(options_.seed, mix64(0xadd0 + index(r), seed)));
  for (std::uint64_t k = 0; k < count; ++k) {
    prng one(mix64(rng.next(), k));
    record rec = make_record(one, r, clock_.tick(), data_);
    rec.modified = rec.added;
    link(one, r, rec, data_);
    data_.records[index(r)].push_back(rec);
    added.push_back(rec.id);
  }
  cache_[index(r)].reset();
  return added;
}

}  // namespace sluice::fakeapi::clevertim
