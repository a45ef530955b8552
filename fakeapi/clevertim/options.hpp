#pragma once
// What the Clevertim imitation is started with (--clevertim-*, cli.hpp).
#include <cstddef>
#include <cstdint>
#include <string>

namespace sluice::fakeapi::clevertim {

struct options {
  std::uint64_t seed = 1;
  std::string token = "clevertim-test-token";  // the Basic user name; the password must be `X`
  // Contacts and companies share one id space.
  std::size_t contacts = 200;
  std::size_t companies = 30;
  std::size_t cases = 40;
  std::size_t opportunities = 40;
  std::size_t tasks = 40;
  std::size_t notes = 40;
  std::size_t customfields = 6;
  // The account's zone (IANA): task startDate/endDate are shown as its wall-clock time, with no
  // offset, as Clevertim does. "UTC" leaves them as the instants themselves.
  std::string timezone = "UTC";
};

}  // namespace sluice::fakeapi::clevertim
