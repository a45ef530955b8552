#pragma once
// Clevertim's task dates (`startDate`/`endDate` as `{y, mo, d, h, mi}`) are what the account's
// users see on their clocks: wall-clock times with no zone or offset attached. The source option
// `timezone` names the account's zone (IANA, default UTC); this turns those wall-clock times into
// instants.
#include <string>
#include <string_view>

#include <date/date.h>

#include "core/time.hpp"

namespace date {
class time_zone;
}

namespace sluice::connectors::clevertim {

class account_zone {
public:
  // Throws sluice::error (kind config) for a name the tz database does not know. The
  // configuration is validated when it is loaded, so this only happens when tzdata lost a zone
  // between the load and the run.
  explicit account_zone(std::string_view iana_name);

  // UTC: the wall-clock time is the instant (what the API gives when nobody says otherwise).
  static const account_zone& utc();

  const std::string& name() const noexcept { return name_; }

  // The instant at which the account's clocks showed `wall`.
  //
  // Around daylight-saving transitions a wall-clock time may name two instants or none. Both
  // cases take the UTC offset that was in force just BEFORE the transition:
  //   - a time shown twice (clocks going back, e.g. 02:30 on 2023-10-29 in Europe/Paris) is its
  //     first occurrence (02:30+02:00 = 00:30Z): the earlier instant, as a reminder is better
  //     early than late, and the same choice as java.time and Python's fold=0;
  //   - a time never shown (clocks going forward, e.g. 02:30 on 2023-03-26 in Europe/Paris) is
  //     read with the offset of the winter side (02:30+01:00 = 01:30Z, which the clocks showed
  //     as 03:30): someone who typed 02:30 meant "an hour after 01:30", and this is what
  //     java.time and PostgreSQL do with such times too.
  // Neither case warns: the value is a valid wall-clock time, and the rule is deterministic.
  timestamp to_utc(date::local_seconds wall) const;

private:
  std::string name_;
  const date::time_zone* zone_ = nullptr;  // nullptr: UTC, no lookup needed
};

}  // namespace sluice::connectors::clevertim
