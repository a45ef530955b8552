#pragma once
// The imitation of Partoo's API v2 (reviews and business search), with generated data that is a
// deterministic function of the options, plus /_control/partoo endpoints that dump and mutate it.
//
// Its switches (partoo_switches) turn on behaviours that Partoo's own documents allow but that a
// client could easily not expect; each is a command-line flag and can be changed at run time
// through POST /_control/partoo/settings.
#include "fakeapi/router.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::fakeapi {

// What GET /reviews answers when the request names no state: every review (`include`), or every
// review that is not deleted (`hide`; deleted reviews then come only with `state__in=deleted`).
enum class deleted_search { hide, include };

struct partoo_switches {
  deleted_search deleted = deleted_search::hide;
  // Some treated / not treated reviews show `treated_auto_reply` / `pending_auto_reply`, states
  // that newer vendor pages show and the 2021 enum lacks.
  bool extra_states = true;
  // Reply threads hold reply suggestions (`is_reply_suggestion: true`) and customers' own
  // comments, before, instead of or under the business's answer.
  bool reply_threads = true;
  // GET /reviews answers 30 per page whatever `per_page` says (the 2021 description knows no
  // per_page); `count` and `max_page` stay truthful for that page size.
  bool ignore_per_page = false;
  // GET /reviews answers in id order whatever `order_by` says.
  bool ignore_order_by = false;
  // The first page of GET /business/search: 1 (the default) or 0 (the 2021 description's default
  // for `page`); with 0, `max_page` is the last page's number, pages - 1.
  int business_first_page = 1;
};

// "hide" or "include"; nullopt for anything else.
std::optional<deleted_search> parse_deleted_search(std::string_view text);

// POST /_control/partoo/settings: the keys given change, absent keys keep their value:
// {"deleted_in_search":"hide"|"include","extra_states":bool,"reply_threads":bool,
//  "ignore_per_page":bool,"ignore_order_by":bool,"business_first_page":0|1}.
// Throws std::invalid_argument for an unknown key or a wrong value.
partoo_switches with_settings(partoo_switches current, const boost::json::object& settings);

std::string to_json(const partoo_switches& switches);

struct partoo_options {
  std::uint64_t seed = 1;
  std::size_t reviews = 1000;
  std::size_t businesses = 20;
  std::size_t tie_block = 0;  // reviews sharing one update_date in the middle of the range
  std::string api_key = "partoo-test-key";
  partoo_switches switches;
};

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
//   GET|POST /_control/partoo/settings  the switches (partoo_switches, with_settings)
//   GET  /_control/partoo/requests, POST /_control/partoo/requests/reset  what clients sent to
//        the Partoo API: method, target and header names, for checks against the vendor's API
//        description
class partoo_api {
 public:
  // Generates the data set (200,000 reviews take well under a second).
  explicit partoo_api(partoo_options options);
  ~partoo_api();
  partoo_api(const partoo_api&) = delete;
  partoo_api& operator=(const partoo_api&) = delete;

  // Registers /partoo/v2/... and /_control/partoo/...; this object must outlive `routes`.
  void install(router& routes);

  std::size_t review_count() const;

 private:
  class store;
  std::unique_ptr<store> store_;
};

}  // namespace sluice::fakeapi
