#include "fakeapi/clevertim/zone.hpp"

#include <date/tz.h>

#include <chrono>
#include <stdexcept>

namespace sluice::fakeapi::clevertim {

account_clock::account_clock(std::string_view zone_name) : name_(zone_name) {
  if (name_ == "UTC" || name_ == "Etc/UTC") return;
  try {
    zone_ = date::locate_zone(name_);
  } catch (const std::exception&) {
    throw std::invalid_argument("unknown time zone '" + name_ +
                                "' (an IANA name such as Europe/Paris)");
  }
}

micros account_clock::wall_time(micros utc) const {
  if (zone_ == nullptr) return utc;
  const date::sys_time<std::chrono::microseconds> at{std::chrono::microseconds{utc}};
  // A UTC instant always has exactly one wall-clock time; the reverse is what clients must get
  // right around daylight-saving changes.
  const auto offset = zone_->get_info(at).offset;
  return utc + std::chrono::duration_cast<std::chrono::microseconds>(offset).count();
}

}  // namespace sluice::fakeapi::clevertim
