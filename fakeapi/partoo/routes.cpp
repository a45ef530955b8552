// The Partoo imitation's HTTP endpoints: the vendor's API (authenticated by x-APIKey, every
// request logged) and the control routes, over the store.
#include "fakeapi/partoo/api.hpp"

#include "fakeapi/json_writer.hpp"
#include "fakeapi/partoo/query.hpp"
#include "fakeapi/partoo/store.hpp"

#include <boost/beast/http/verb.hpp>

#include <algorithm>
#include <optional>

namespace sluice::fakeapi::partoo {
namespace {

using boost::beast::http::verb;

constexpr std::size_t business_page_size = 30;

std::optional<reply> authenticate(store& s, const request& req) {
  // Every request that reaches the vendor's code is logged, rejected ones too.
  s.log_request(req);
  const auto it = req.http.find("x-APIKey");  // Beast compares field names case-insensitively
  if (it != req.http.end() && it->value() == s.api_key()) return std::nullopt;
  return json_reply(401, R"({"errors":{"authentication":"User not authenticated"}})");
}

// GET /partoo/v2/reviews
reply reviews(store& s, const request& req) {
  review_query q = parse_review_query(req);
  if (s.switches().ignore_order_by) q.ordering = review_order::id;
  // The 2021 description: "The response is paginated (30 results per page)".
  if (s.switches().ignore_per_page) q.per_page = 30;

  const review_selection chosen = s.select(q);
  const std::size_t count = chosen.size();
  const auto size = static_cast<std::size_t>(q.per_page);
  const std::size_t max_page = std::max<std::size_t>(1, (count + size - 1) / size);
  std::size_t begin = count;
  std::size_t end = count;
  if (static_cast<std::uint64_t>(q.page) <= max_page) {
    begin = (static_cast<std::size_t>(q.page) - 1) * size;
    end = std::min(count, begin + size);
  }

  json_writer w;
  w.reserve(1024 + (end - begin) * 1500);
  w.begin_object();
  w.key("page").number(q.page);
  w.key("max_page").number(static_cast<std::int64_t>(max_page));
  w.key("count").number(static_cast<std::int64_t>(count));
  w.key("reviews").begin_array();
  for (std::size_t k = begin; k < end; ++k) {
    const review& r = s.reviews()[chosen[k]];
    write_review(w, r, s.context_of(r));
  }
  w.end_array();
  w.end_object();
  return json_reply(200, w.take());
}

// GET /partoo/v2/business/search
reply business_search(const store& s, const request& req) {
  error_fields field_errors;
  const std::int64_t first_page = s.switches().business_first_page;
  const std::int64_t page = page_param(req, field_errors, first_page);
  std::optional<micros> gte;
  if (const auto text = req.param("modified__gte")) {
    gte = parse_unix_seconds(*text);
    if (!gte) field_errors["modified__gte"] = "Not a valid number.";
  }
  if (!field_errors.empty()) return json_reply(400, errors_json_field(field_errors));

  std::vector<std::uint32_t> matching;
  for (const auto index : s.businesses_by_modified()) {
    if (!gte || s.businesses()[index].modified >= *gte) matching.push_back(index);
  }
  const std::size_t count = matching.size();
  const std::size_t pages =
      std::max<std::size_t>(1, (count + business_page_size - 1) / business_page_size);
  // The last page's number: pages when they count from 1, pages - 1 when from 0.
  const auto max_page = static_cast<std::int64_t>(pages) - 1 + first_page;
  std::size_t begin = count;
  std::size_t end = count;
  if (page <= max_page) {
    begin = static_cast<std::size_t>(page - first_page) * business_page_size;
    end = std::min(count, begin + business_page_size);
  }

  json_writer w;
  w.begin_object();
  w.key("page").number(page);
  w.key("max_page").number(max_page);
  w.key("count").number(static_cast<std::int64_t>(count));
  w.key("businesses").begin_array();
  for (std::size_t k = begin; k < end; ++k)
    write_business(w, s.businesses()[matching[k]], s.org_id());
  w.end_array();
  w.end_object();
  return json_reply(200, w.take());
}

}  // namespace

vendor_state install(router& routes, options opts) {
  auto state = std::make_shared<store>(std::move(opts));
  store& s = *state;
  api_scope scope;
  scope.prefix = "/partoo/";
  scope.name = "partoo";
  scope.authenticate = [&s](const request& req) { return authenticate(s, req); };
  scope.not_found = [](const request&) {
    return json_reply(404, errors_json("Resource not found"));
  };
  scope.routes.push_back({verb::get, "/partoo/v2/reviews", "partoo.reviews",
                          [&s](const request& req) { return reviews(s, req); }});
  scope.routes.push_back({verb::get, "/partoo/v2/business/search", "partoo.business_search",
                          [&s](const request& req) { return business_search(s, req); }});
  routes.add_scope(std::move(scope));

  routes.add_control(verb::get, "/_control/partoo/reviews",
                     [&s](const request& req) { return s.all_reviews(req); });
  routes.add_control(verb::get, "/_control/partoo/settings",
                     [&s](const request&) { return s.settings(); });
  routes.add_control(verb::post, "/_control/partoo/settings",
                     [&s](const request& req) { return s.change_settings(req); });
  routes.add_control(verb::get, "/_control/partoo/requests",
                     [&s](const request&) { return s.request_log(); });
  routes.add_control(verb::post, "/_control/partoo/requests/reset",
                     [&s](const request&) { return s.reset_request_log(); });
  routes.add_control(verb::get, "/_control/partoo/businesses",
                     [&s](const request&) { return s.all_businesses(); });
  routes.add_control(verb::post, "/_control/partoo/mutate",
                     [&s](const request& req) { return s.mutate(req); });
  routes.add_control(verb::post, "/_control/partoo/businesses/mutate",
                     [&s](const request& req) { return s.mutate_businesses(req); });
  return state;
}

}  // namespace sluice::fakeapi::partoo
