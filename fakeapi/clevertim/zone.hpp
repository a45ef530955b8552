#pragma once
// The Clevertim account's time zone. Clevertim shows task dates as `{y, mo, d, h, mi}` with no
// zone or offset: the wall-clock time of the account's zone. The fake keeps every instant in UTC
// and renders it in this zone, so a client that reads those fields as UTC is off by the offset.
#include "fakeapi/timestamp.hpp"

#include <string>
#include <string_view>

namespace date {
class time_zone;
}

namespace sluice::fakeapi::clevertim {

class account_clock {
public:
  // An IANA name ("Europe/Paris"); "UTC" needs no tz database. Throws std::invalid_argument for a
  // name the tz database does not know.
  explicit account_clock(std::string_view zone_name = "UTC");

  const std::string& name() const noexcept { return name_; }

  // What the account's clocks showed at `utc`, as microseconds whose UTC calendar fields
  // (format_iso(..., 0)) are the wall-clock fields.
  micros wall_time(micros utc) const;

private:
  std::string name_;
  const date::time_zone* zone_ = nullptr;  // nullptr: UTC
};

}  // namespace sluice::fakeapi::clevertim
