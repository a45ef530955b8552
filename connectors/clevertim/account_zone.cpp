#include "connectors/clevertim/account_zone.hpp"

#include <date/tz.h>

#include <exception>

#include "core/error.hpp"

namespace sluice::connectors::clevertim {
namespace {

// Names that are UTC without consulting tzdata: the default must work even on a host whose tz
// database is missing or incomplete.
bool is_utc(std::string_view name) noexcept {
  return name.empty() || name == "UTC" || name == "Etc/UTC";
}

}  // namespace

account_zone::account_zone(std::string_view iana_name)
    : name_(iana_name.empty() ? std::string("UTC") : std::string(iana_name)) {
  if (is_utc(name_)) return;
  try {
    zone_ = date::locate_zone(name_);
  } catch (const std::exception& e) {
    throw error(error_kind::config, "clevertim: time zone '" + name_ +
                                        "' is not in the tz database (" + e.what() + ")");
  }
}

const account_zone& account_zone::utc() {
  static const account_zone zone("UTC");
  return zone;
}

timestamp account_zone::to_utc(date::local_seconds wall) const {
  const auto naive = date::sys_seconds{wall.time_since_epoch()};
  if (zone_ == nullptr) return timestamp{naive};
  // `first` is the period in force before the wall time (for a unique time, its own period; for
  // an ambiguous or nonexistent one, the period before the transition): see the header.
  const date::local_info info = zone_->get_info(wall);
  return timestamp{naive - info.first.offset};
}

}  // namespace sluice::connectors::clevertim
