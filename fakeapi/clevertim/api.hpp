#pragma once
// The imitation of Clevertim's CRM API: read-all and read-one of seven resources in the vendor's
// `{"status":"OK","content":[...]}` envelope, HTTP Basic with the token as user name and `X` as
// password, 501 for every write verb. Generated data is a deterministic function of the options;
// /_control/clevertim endpoints dump and mutate it, make one resource fail a number of times
// (e.g. 500 "cannot parse" or 501 "not supported", which the vendor documents), make it answer an
// empty list, set the account's time zone in which task dates are shown, and pin a task's dates.
#include "fakeapi/clevertim/options.hpp"
#include "fakeapi/router.hpp"

namespace sluice::fakeapi::clevertim {

// Generates the data set and registers /clevertim/api/... and /_control/clevertim/...; the answer
// owns the state those routes refer to.
vendor_state install(router& routes, options opts);

}  // namespace sluice::fakeapi::clevertim
