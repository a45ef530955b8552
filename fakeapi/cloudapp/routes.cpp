// The CloudApp imitation's HTTP endpoints: the vendor's API behind Digest, answering only JSON
// to clients that ask for it, and the control routes.
#include "fakeapi/cloudapp/api.hpp"

#include "fakeapi/ascii.hpp"
#include "fakeapi/cloudapp/digest.hpp"
#include "fakeapi/cloudapp/generator.hpp"
#include "fakeapi/cloudapp/store.hpp"
#include "fakeapi/cloudapp/wire.hpp"
#include "fakeapi/control_body.hpp"
#include "fakeapi/json_writer.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

#include <algorithm>

namespace sluice::fakeapi::cloudapp {
namespace {

namespace http = boost::beast::http;
using http::verb;

constexpr std::string_view items_path = "/cloudapp/items";
constexpr std::string_view account_path = "/cloudapp/account";
constexpr std::string_view account_stats_path = "/cloudapp/account/stats";

// Rails' respond_to: JSON only when the client asks for it; `*/*` would get HTML, which the API
// does not offer.
bool accepts_json(const request& req) {
  const auto it = req.http.find(http::field::accept);
  return it != req.http.end() &&
         ascii_lower(it->value()).find("application/json") != std::string::npos;
}

std::optional<reply> authenticate(digest_guard& guard, const request& req) {
  // Routing comes first, as in Rails: unknown paths are 404 whether authenticated or not.
  const std::string_view path = req.url.encoded_path();
  if (req.http.method() != verb::get ||
      (path != items_path && path != account_path && path != account_stats_path)) {
    return std::nullopt;
  }
  return guard.authenticate(req);
}

// GET /cloudapp/items
reply items(store& s, const request& req) {
  if (!accepts_json(req)) return html_reply(406, not_acceptable_page);
  std::int64_t page = 1;
  if (const auto text = req.param("page")) {
    const auto value = parse_int(*text);
    if (!value || *value < 1) return unprocessable("page must be a positive integer");
    page = *value;
  }
  std::size_t per_page = 5;
  if (const auto text = req.param("per_page")) {
    const auto value = parse_int(*text);
    if (!value || *value < 1) return unprocessable("per_page must be a positive integer");
    // Capped silently: a short page does not mean the end.
    per_page = static_cast<std::size_t>(
        std::min<std::int64_t>(*value, static_cast<std::int64_t>(s.settings().max_per_page)));
  }
  const auto deleted = req.param("deleted");
  const bool trashed = deleted && (*deleted == "true" || *deleted == "1");
  std::optional<item_type> type;
  if (const auto text = req.param("type"); text && !text->empty()) {
    const auto it = std::find(type_names.begin(), type_names.end(), *text);
    // An unknown type matches nothing, like a Rails `where`.
    if (it == type_names.end()) return json_reply(200, "[]");
    type = static_cast<item_type>(it - type_names.begin());
  }

  s.bump_if_listing_bumps();

  const auto& positions = s.listing(trashed, type);
  const std::size_t total = positions.size();
  const auto skipped = static_cast<std::uint64_t>(page - 1);
  const std::size_t begin = skipped > total / per_page
                                ? total
                                : std::min(total, static_cast<std::size_t>(skipped) * per_page);
  const std::size_t end = std::min(total, begin + per_page);

  json_writer w;
  w.reserve(2 + (end - begin) * 900);
  w.begin_array();
  for (std::size_t k = begin; k < end; ++k)
    write_item(w, s.items()[positions[total - 1 - k]], !s.settings().omit_deleted_at);
  w.end_array();
  return json_reply(200, w.take());
}

// GET /cloudapp/account
reply account(const store& s, const request& req) {
  if (!accepts_json(req)) return html_reply(406, not_acceptable_page);
  prng rng(mix64(s.settings().seed, 0xacc));
  const auto id = static_cast<std::int64_t>(100'000 + rng.below(900'000));
  const micros created =
      range_begin - static_cast<micros>(1 + rng.below(400 * 86'400)) * micros_per_second;
  json_writer w;
  w.begin_object();
  w.key("id").number(id);
  w.key("email").string(s.settings().user);
  w.key("domain").null();
  w.key("domain_home_page").null();
  w.key("private_items").boolean(true);
  w.key("subscribed").boolean(true);
  w.key("subscription_expires_at").null();
  w.key("alpha").boolean(false);
  w.key("created_at").string(format_iso_seconds(created));
  w.key("updated_at").string(format_iso_seconds(created + one_day));
  w.key("activated_at").string(format_iso_seconds(created + 60 * micros_per_second));
  w.end_object();
  return json_reply(200, w.take());
}

// GET /cloudapp/account/stats
reply account_stats(const store& s, const request& req) {
  if (!accepts_json(req)) return html_reply(406, not_acceptable_page);
  std::int64_t views = 0;
  for (const auto& it : s.items()) views += it.views;
  json_writer w;
  w.begin_object();
  w.key("items").number(static_cast<std::int64_t>(s.items().size()));
  w.key("views").number(views);
  w.end_object();
  return json_reply(200, w.take());
}

// What the routes refer to: the data, and the Digest nonces handed out.
struct vendor {
  explicit vendor(options opts) : guard(opts), data(std::move(opts)) {}
  digest_guard guard;
  store data;
};

}  // namespace

vendor_state install(router& routes, options opts) {
  auto state = std::make_shared<vendor>(std::move(opts));
  store& s = state->data;
  digest_guard& guard = state->guard;
  api_scope scope;
  scope.prefix = "/cloudapp/";
  scope.name = "cloudapp";
  scope.unauthorized_name = "cloudapp.unauthorized";
  scope.authenticate = [&guard](const request& req) { return authenticate(guard, req); };
  // Rails answers unrouted paths and methods alike with its HTML 404 page.
  scope.not_found = [](const request&) { return html_reply(404, not_found_page); };
  scope.method_not_allowed = scope.not_found;
  scope.routes.push_back({verb::get, std::string(items_path), "cloudapp.items",
                          [&s](const request& req) { return items(s, req); }});
  scope.routes.push_back({verb::get, std::string(account_path), "cloudapp.account",
                          [&s](const request& req) { return account(s, req); }});
  scope.routes.push_back({verb::get, std::string(account_stats_path), "cloudapp.account_stats",
                          [&s](const request& req) { return account_stats(s, req); }});
  routes.add_scope(std::move(scope));

  routes.add_control(verb::get, "/_control/cloudapp/items",
                     [&s](const request&) { return s.all_items(); });
  routes.add_control(verb::post, "/_control/cloudapp/mutate",
                     [&s](const request& req) { return s.mutate(req); });
  routes.add_control(verb::post, "/_control/cloudapp/bump_views",
                     [&s](const request& req) { return s.bump_views(req); });
  routes.add_control(verb::get, "/_control/cloudapp/options",
                     [&s](const request&) { return s.switches(); });
  routes.add_control(verb::post, "/_control/cloudapp/options",
                     [&s](const request& req) { return s.set_switches(req); });
  return state;
}

}  // namespace sluice::fakeapi::cloudapp
