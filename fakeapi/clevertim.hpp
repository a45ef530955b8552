#pragma once
// The imitation of Clevertim's CRM API: read-all and read-one of seven resources in the vendor's
// `{"status":"OK","content":[...]}` envelope, HTTP Basic with the token as user name and `X` as
// password, 501 for every write verb. Generated data is a deterministic function of the options;
// /_control/clevertim endpoints dump and mutate it, make one resource fail a number of times
// (e.g. 500 "cannot parse" or 501 "not supported", which the vendor documents), make it answer an
// empty list, set the account's time zone in which task dates are shown, and pin a task's dates.
#include "fakeapi/router.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace sluice::fakeapi {

struct clevertim_options {
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

class clevertim_api {
 public:
  explicit clevertim_api(clevertim_options options);
  ~clevertim_api();
  clevertim_api(const clevertim_api&) = delete;
  clevertim_api& operator=(const clevertim_api&) = delete;

  // Registers /clevertim/api/... and /_control/clevertim/...; this object must outlive `routes`.
  void install(router& routes);

  std::size_t record_count() const;  // all resources together

 private:
  class store;
  std::unique_ptr<store> store_;
};

}  // namespace sluice::fakeapi
