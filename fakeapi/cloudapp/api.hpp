#pragma once
// The imitation of CloudApp's API v1 (my.cl.ly): items paged by page/per_page newest first, the
// trash (`deleted=true`), the account, all behind HTTP Digest with real verification (nonces
// that go stale after a number of uses, strictly increasing nonce counts). Generated data is a
// deterministic function of the options; /_control/cloudapp endpoints dump and mutate it, and
// /_control/cloudapp/options switches behaviours at run time (omit_deleted_at, bump_on_list).
#include "fakeapi/cloudapp/options.hpp"
#include "fakeapi/router.hpp"

namespace sluice::fakeapi::cloudapp {

// Generates the data set and registers /cloudapp/... and /_control/cloudapp/...; the answer owns
// the state those routes refer to.
vendor_state install(router& routes, options opts);

}  // namespace sluice::fakeapi::cloudapp
