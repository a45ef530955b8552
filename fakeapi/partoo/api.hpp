#pragma once
// The imitation of Partoo's API v2 (reviews and business search), with generated data that is a
// deterministic function of the options, plus /_control/partoo endpoints that dump and mutate it.
//
// Control endpoints (no authentication):
//   GET  /_control/partoo/reviews[?annotate=true]  every review (deleted ones too, purged ones
//        not) as the API shows it; annotated, each also has "_business_reply": the content of
//        the business's answer in its thread, or null
//   GET  /_control/partoo/businesses
//   POST /_control/partoo/mutate  {"update":N,"add":N,"delete":N,"restore":N,"seed":S,
//        "backdate":N,"backdate_hours":H (default 20),"purge":N,"future":N,"restore_stale":N,
//        "delete_without_state":N}: answers the ids affected under the same names ("backdated",
//        "purged", "future", "restored_stale", "deleted_without_state" for the last five).
//        backdate adds reviews whose update_date lies H hours before the fake's clock (late
//        arrivals below a client's cursor); purge removes live reviews without trace; future adds
//        reviews dated 9999-12-31T23:00:00-05:00; restore_stale restores deleted reviews keeping
//        their delete_date; delete_without_state deletes with a delete_date and "state": null.
//   POST /_control/partoo/businesses/mutate  {"update":N,"seed":S}
//   GET|POST /_control/partoo/settings  the switches (switch_set, with_settings)
//   GET  /_control/partoo/requests, POST /_control/partoo/requests/reset  what clients sent to
//        the Partoo API: method, target and header names, for checks against the vendor's API
//        description
#include "fakeapi/partoo/options.hpp"
#include "fakeapi/router.hpp"

namespace sluice::fakeapi::partoo {

// Generates the data set (200,000 reviews take well under a second) and registers
// /partoo/v2/... and /_control/partoo/...; the answer owns the state those
// routes refer to.
vendor_state install(router& routes, options opts);

}  // namespace sluice::fakeapi::partoo
