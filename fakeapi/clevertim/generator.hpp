#pragma once
// The Clevertim imitation's sample data: every resource's records as a deterministic function of
// the seed, linked to each other (contacts to companies, cases and opportunities to customers,
// tasks and notes to either), and the custom field schema their `cf` values follow.
#include "fakeapi/clevertim/options.hpp"
#include "fakeapi/clevertim/records.hpp"
#include "fakeapi/random.hpp"
#include "fakeapi/timestamp.hpp"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace sluice::fakeapi::clevertim {

// Generated records were added over 2019..2023, in id order; edits follow within 200 days.
inline constexpr micros range_begin = 1'546'300'800 * micros_per_second;  // 2019-01-01T00:00:00Z
inline constexpr micros range_end = 1'704'067'200 * micros_per_second;    // 2024-01-01T00:00:00Z
inline constexpr std::uint64_t day_seconds = 86'400;

struct field_definition {
  std::uint64_t id = 0;
  std::uint8_t kind = 0;
  std::uint8_t models = 0;
  std::string key;  // the id as text, as `cf` objects name it
};

struct data_set {
  // Each sorted by id: ids grow with creation and added records get the next ones.
  per_resource<std::vector<record>> records;
  per_resource<std::uint64_t> next_id = id_bases;
  // Keyed by contact or company id, by case id, by opportunity id.
  std::unordered_map<std::uint64_t, id_lists> customer_links;
  std::unordered_map<std::uint64_t, id_lists> case_links;
  std::unordered_map<std::uint64_t, id_lists> opportunity_links;
  // The custom fields generated at start. Records' `cf` values follow these definitions even after
  // a mutation removed or added some, so a definition removed later leaves orphaned keys behind,
  // as in the real CRM.
  std::vector<field_definition> schema;
  // One key that never had a definition: clients must keep values they cannot name.
  std::string orphan_key;
};

data_set generate(const options& opts);
// The latest instant the data holds: the fake clock starts after it.
micros latest_instant(const data_set& data);

// A new record of resource r with the next id (gaps included), not yet linked.
record make_record(prng& rng, resource r, micros added, data_set& data);
// Links r's record to existing ones (its company, its customer, case or opportunity).
void link(prng& rng, resource r, record& rec, const data_set& data);

}  // namespace sluice::fakeapi::clevertim
