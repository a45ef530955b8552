#pragma once
// What the Partoo imitation is started with: the size of its data set, the API key it expects,
// and its switches. The switches turn on behaviours that Partoo's own documents allow but that a
// client could easily not expect; each is a command-line flag (cli.hpp) and can be changed at run
// time through POST /_control/partoo/settings.
#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::fakeapi::partoo {

// What GET /reviews answers when the request names no state: every review (`include`), or every
// review that is not deleted (`hide`; deleted reviews then come only with `state__in=deleted`).
enum class deleted_search { hide, include };

struct switch_set {
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
switch_set with_settings(switch_set current, const boost::json::object& settings);

std::string to_json(const switch_set& current);

struct options {
  std::uint64_t seed = 1;
  std::size_t reviews = 1000;
  std::size_t businesses = 20;
  std::size_t tie_block = 0;  // reviews sharing one update_date in the middle of the range
  std::string api_key = "partoo-test-key";
  switch_set switches;
};

}  // namespace sluice::fakeapi::partoo
