#pragma once
// Clevertim's JSON form of its records. A record stores only its salt and links: its fields are
// drawn from the salt here, every time it is shown, so showing it twice gives the same bytes.
#include "fakeapi/clevertim/generator.hpp"
#include "fakeapi/clevertim/records.hpp"
#include "fakeapi/clevertim/zone.hpp"
#include "fakeapi/json_writer.hpp"

#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>

namespace sluice::fakeapi::clevertim {

using task_pins = std::unordered_map<std::uint64_t, task_pin>;  // by task id

class record_writer {
public:
  record_writer(const data_set& data, const account_clock& zone, const task_pins& pins)
      : data_(data), zone_(zone), pins_(pins) {}

  void write_record(json_writer& w, resource r, const record& rec) const;
  void write_task(json_writer& w, const record& rec) const;

private:
  void write_party(json_writer& w, resource r, const record& rec) const;
  void write_party_contacts(json_writer& w, prng& rng, bool company, const std::string& local,
                            const std::string& site) const;
  void write_case(json_writer& w, const record& rec) const;
  void write_opportunity(json_writer& w, const record& rec) const;
  void write_task_date(json_writer& w, std::string_view key, std::optional<micros> generated,
                       const std::optional<pinned_date>& pinned) const;
  void write_note(json_writer& w, const record& rec) const;
  void write_customfield(json_writer& w, const record& rec) const;
  void write_common(json_writer& w, resource r, const record& rec) const;
  void write_custom_values(json_writer& w, resource r, std::uint64_t salt) const;
  static void write_links(json_writer& w, const std::unordered_map<std::uint64_t, id_lists>& links,
                          std::uint64_t id, bool with_cases);

  const data_set& data_;
  const account_clock& zone_;
  const task_pins& pins_;
};

}  // namespace sluice::fakeapi::clevertim
