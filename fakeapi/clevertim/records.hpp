#pragma once
// The records of the Clevertim imitation as it keeps them: seven resources, their ids and links.
#include "fakeapi/timestamp.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace sluice::fakeapi::clevertim {

using namespace std::string_view_literals;

enum class resource : std::uint8_t { contact, company, kase, opportunity, task, note, customfield };
inline constexpr std::size_t resource_count = 7;
inline constexpr std::array resource_names{
    "contact"sv, "company"sv, "case"sv, "opportunity"sv, "task"sv, "note"sv, "customfield"sv};
inline constexpr std::array all_resources{resource::contact,     resource::company, resource::kase,
                                          resource::opportunity, resource::task,    resource::note,
                                          resource::customfield};
// Parents before children, so added records can point at records added in the same mutation.
inline constexpr std::array add_order{
    resource::customfield, resource::company, resource::contact, resource::kase,
    resource::opportunity, resource::task,    resource::note};

constexpr std::size_t index(resource r) { return static_cast<std::size_t>(r); }
constexpr std::string_view name_of(resource r) { return resource_names[index(r)]; }
constexpr std::uint8_t bit(resource r) { return static_cast<std::uint8_t>(1U << index(r)); }

inline std::optional<resource> resource_named(std::string_view name) {
  for (const auto r : all_resources) {
    if (name_of(r) == name) return r;
  }
  return std::nullopt;
}

// Each resource numbers its records on its own, except that contacts and companies share one
// id space (a `cust` may be either). The first id is one past the base.
inline constexpr std::array<std::uint64_t, resource_count> id_bases{10'000, 10'000, 2'000, 3'000,
                                                                    5'000,  7'000,  100};
constexpr std::size_t id_slot(resource r) {
  return r == resource::company ? index(resource::contact) : index(r);
}

// Compact: text fields are derived from `salt` when serialized, and an update only draws a new
// salt. Links are stored because they must point at records that exist.
struct record {
  std::uint64_t id = 0;
  micros added = 0;
  micros modified = 0;
  std::uint64_t salt = 0;
  std::uint64_t company = 0;   // contact: companyId; 0 = null
  std::uint64_t cust = 0;      // case, opportunity, task, note
  std::uint64_t case_id = 0;   // task, note
  std::uint64_t opp = 0;       // task, note
  std::uint32_t revision = 0;  // updates so far
  bool is_deleted = false;     // task
  std::uint8_t kind = 0;       // customfield: index into field_kinds
  std::uint8_t models = 0;     // customfield: bit(resource) per resource it applies to
};

// The id lists a record carries (`notes`, `opportunities`, `tasks`, `cases`). Fixed when the data
// is generated: mutations touch only the records they name, so removing a task leaves its id in
// its contact's list, and nothing else changes for a client comparing snapshots.
struct id_lists {
  std::vector<std::uint64_t> notes;
  std::vector<std::uint64_t> opportunities;
  std::vector<std::uint64_t> tasks;
  std::vector<std::uint64_t> cases;
};

// A task date set through the control API instead of the generated one: an instant (shown in the
// account's zone like generated dates), wall-clock fields sent exactly as given (so tests can
// send times that daylight-saving changes make ambiguous or impossible), or null.
struct pinned_date {
  std::optional<micros> instant;
  std::optional<std::array<std::int64_t, 5>> wall;  // y, mo, d, h, mi
};

struct task_pin {
  std::optional<pinned_date> start;  // nullopt: the generated date
  std::optional<pinned_date> end;
};

// Per resource, indexed by index(resource).
using counts = std::array<std::uint64_t, resource_count>;
template <class T>
using per_resource = std::array<T, resource_count>;

}  // namespace sluice::fakeapi::clevertim
