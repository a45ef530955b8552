#pragma once
// The imitation of Cloutly's REST API v1 (businesses, and reviews paged by limit/offset newest
// first), with generated data that is a deterministic function of the options (about 5% of the
// reviews archived, `isArchived`), plus /_control/cloutly endpoints that dump and mutate it
// (including archiving), make reviews arrive during a client's walk, make the listing answer empty
// or truncated, and choose what its `total` counts.
#include "fakeapi/cloutly/options.hpp"
#include "fakeapi/router.hpp"

namespace sluice::fakeapi::cloutly {

// Generates the data set and registers /cloutly/api/v1/... and /_control/cloutly/...; the answer
// owns the state those routes refer to.
vendor_state install(router& routes, options opts);

}  // namespace sluice::fakeapi::cloutly
