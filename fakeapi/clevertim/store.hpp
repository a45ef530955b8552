#pragma once
// The Clevertim imitation's state: the records as mutations left them, failures and empty
// answers set through the control API, the account's time zone, pinned task dates, and the
// serialized read-all answers.
#include "fakeapi/clevertim/generator.hpp"
#include "fakeapi/clevertim/options.hpp"
#include "fakeapi/clevertim/records.hpp"
#include "fakeapi/clevertim/wire.hpp"
#include "fakeapi/clevertim/zone.hpp"
#include "fakeapi/fake_clock.hpp"
#include "fakeapi/router.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace sluice::fakeapi::clevertim {

// The vendor's error envelope: `{"status":"ERROR","error":"..."}`.
reply error_reply(unsigned status, std::string_view message);

class store {
public:
  explicit store(options opts);

  const std::string& token() const { return options_.token; }

  // A failure set through the control API for r, counted down; nullopt when none is due.
  std::optional<reply> take_failure(resource r);
  bool answers_empty(resource r) const { return empty_[index(r)]; }
  // The read-all answer `{"status":"OK","content":[...]}`, serialized once per change.
  const std::string& listing(resource r);
  const record* find(resource r, std::uint64_t id) const;
  record_writer writer() const { return record_writer(data_, zone_, pins_); }

  // Control API (the answers of /_control/clevertim/...).
  reply dump(resource r) { return json_reply(200, listing(r)); }
  reply mutate(const request& req);
  reply failures() const;
  reply fail(const request& req);
  reply set_empty(const request& req);
  reply timezone() const;
  reply set_timezone(const request& req);
  reply pin_task_dates(const request& req);

private:
  struct failure {
    unsigned status = 503;
    std::string error;
    std::uint64_t remaining = 0;
  };

  // Removes and updates victims of one resource; answers the ids under index(r).
  void remove_and_update(resource r, std::uint64_t remove_count, std::uint64_t update_count,
                         std::uint64_t seed, per_resource<std::vector<std::uint64_t>>& removed,
                         per_resource<std::vector<std::uint64_t>>& updated);
  std::vector<std::uint64_t> add(resource r, std::uint64_t count, std::uint64_t seed);

  options options_;
  data_set data_;
  fake_clock clock_;
  per_resource<std::optional<failure>> failures_;
  account_clock zone_;
  task_pins pins_;
  per_resource<bool> empty_{};
  // Serialized read-all answers, rebuilt after a mutation of their resource: a 50,000-contact
  // answer is served again and again by benchmarks.
  per_resource<std::optional<std::string>> cache_;
};

}  // namespace sluice::fakeapi::clevertim
