// The Cloutly imitation's HTTP endpoints: the vendor's API (x-api-key) and the control routes.
#include "fakeapi/cloutly/api.hpp"

#include "fakeapi/cloutly/store.hpp"
#include "fakeapi/cloutly/wire.hpp"
#include "fakeapi/control_body.hpp"
#include "fakeapi/json_writer.hpp"

#include <boost/beast/http/verb.hpp>

#include <algorithm>
#include <optional>

namespace sluice::fakeapi::cloutly {
namespace {

using boost::beast::http::verb;

// The vendor's error bodies are undocumented; clients must treat them as opaque text.
std::string message_json(std::string_view message) {
  json_writer w;
  w.begin_object().key("message").string(message).end_object();
  return w.take();
}

reply_error bad_request(std::string_view message) {
  return reply_error(json_reply(400, message_json(message)));
}

std::optional<reply> authenticate(const store& s, const request& req) {
  const auto it = req.http.find("x-api-key");  // Beast compares field names case-insensitively
  if (it != req.http.end() && it->value() == s.settings().api_key) return std::nullopt;
  return json_reply(401, message_json("Unauthorized"));
}

struct page_request {
  std::size_t limit = 20;
  std::size_t offset = 0;
  bool descending = true;
  review_filter filter;
};

// GET /reviews's parameters; a 400 reply_error for the first bad one.
page_request parse_page_request(const request& req, std::size_t max_limit) {
  page_request q;
  if (const auto text = req.param("limit")) {
    const auto value = parse_int(*text);
    if (!value || *value < 1) throw bad_request("limit must be a positive integer");
    // Capped silently: clients must advance by what they received, not by what they asked.
    q.limit = static_cast<std::size_t>(
        std::min<std::int64_t>(*value, static_cast<std::int64_t>(max_limit)));
  }
  if (const auto text = req.param("offset")) {
    const auto value = parse_int(*text);
    if (!value || *value < 0) throw bad_request("offset must be a non-negative integer");
    q.offset = static_cast<std::size_t>(*value);
  }
  if (const auto text = req.param("sort")) {
    if (*text == "asc") {
      q.descending = false;
    } else if (*text != "desc") {
      throw bad_request("sort must be asc or desc");
    }
  }
  if (const auto text = req.param("showOnWidget")) {
    if (*text != "true" && *text != "false")
      throw bad_request("showOnWidget must be true or false");
    q.filter.show_on_widget = *text == "true";
  }
  q.filter.business_id = req.param("businessId");
  q.filter.source = req.param("source");
  return q;
}

// GET /cloutly/api/v1/reviews
reply reviews(store& s, const request& req) {
  const page_request q = parse_page_request(req, s.settings().max_limit);
  s.arrive_if_due();
  const selection chosen = s.select(q.filter);
  const std::size_t total = chosen.total;
  const std::size_t begin = std::min(q.offset, total);
  const std::size_t end = std::min(total, begin + q.limit);
  std::size_t reported = total;
  const total_count counts = s.listing_settings().total;
  if (counts == total_count::page) reported = end - begin;
  if (counts == total_count::account)
    reported = q.filter.any() ? s.account_matches(q.filter) : s.reviews().size();

  json_writer w;
  w.reserve(64 + (end - begin) * 1200);
  w.begin_object();
  w.key("total").number(static_cast<std::int64_t>(reported));
  w.key("reviews").begin_array();
  for (std::size_t k = begin; k < end; ++k) {
    // k-th of the matching reviews in the requested order; exact mirror images of each other.
    const std::size_t rank = q.descending ? total - 1 - k : k;
    const std::size_t position = chosen.positions ? (*chosen.positions)[rank] : chosen.lo + rank;
    const review& r = s.reviews()[position];
    write_review(w, r, s.businesses()[r.business]);
  }
  w.end_array();
  w.end_object();
  return json_reply(200, w.take());
}

// GET /cloutly/api/v1/businesses
reply businesses(const store& s) {
  if (s.listing_settings().businesses_empty) return json_reply(200, "[]");
  return s.all_businesses();
}

}  // namespace

vendor_state install(router& routes, options opts) {
  auto state = std::make_shared<store>(std::move(opts));
  store& s = *state;
  api_scope scope;
  scope.prefix = "/cloutly/";
  scope.name = "cloutly";
  scope.authenticate = [&s](const request& req) { return authenticate(s, req); };
  scope.not_found = [](const request&) { return json_reply(404, message_json("Not Found")); };
  scope.routes.push_back({verb::get, "/cloutly/api/v1/reviews", "cloutly.reviews",
                          [&s](const request& req) { return reviews(s, req); }});
  scope.routes.push_back({verb::get, "/cloutly/api/v1/businesses", "cloutly.businesses",
                          [&s](const request&) { return businesses(s); }});
  routes.add_scope(std::move(scope));

  routes.add_control(verb::get, "/_control/cloutly/reviews",
                     [&s](const request&) { return s.all_reviews(); });
  routes.add_control(verb::get, "/_control/cloutly/businesses",
                     [&s](const request&) { return s.all_businesses(); });
  routes.add_control(verb::post, "/_control/cloutly/mutate",
                     [&s](const request& req) { return s.mutate(req); });
  routes.add_control(verb::post, "/_control/cloutly/businesses/mutate",
                     [&s](const request& req) { return s.mutate_businesses(req); });
  routes.add_control(verb::get, "/_control/cloutly/arrivals",
                     [&s](const request&) { return s.arrivals(); });
  routes.add_control(verb::post, "/_control/cloutly/arrivals",
                     [&s](const request& req) { return s.set_arrivals(req); });
  routes.add_control(verb::get, "/_control/cloutly/listing",
                     [&s](const request&) { return s.listing(); });
  routes.add_control(verb::post, "/_control/cloutly/listing",
                     [&s](const request& req) { return s.set_listing(req); });
  return state;
}

}  // namespace sluice::fakeapi::cloutly
