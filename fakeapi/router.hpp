#pragma once
// Request routing for the fake: vendor API scopes (counted, fault-injected, authenticated by the
// vendor) and unauthenticated /_control endpoints. Transport-free: the server hands every parsed
// request to dispatch() and writes back what it returns.
#include "fakeapi/faults.hpp"
#include "fakeapi/stats.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/url/url_view.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::fakeapi {

using http_request = boost::beast::http::request<boost::beast::http::string_body>;

struct reply {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

reply json_reply(unsigned status, std::string body);

// Thrown by handlers to answer with an error reply from deep inside validation code.
class reply_error : public std::runtime_error {
public:
  explicit reply_error(reply r) : std::runtime_error("request rejected"), reply_(std::move(r)) {}
  const reply& response() const noexcept { return reply_; }

private:
  reply reply_;
};

struct request {
  const http_request& http;
  boost::urls::url_view url;

  // The percent-decoded value of a query parameter (`+` reads as a space); the last occurrence
  // wins, as in Django's QueryDict.get.
  std::optional<std::string> param(std::string_view key) const;
};

using handler = std::function<reply(const request&)>;

// What a vendor's install() answers: the vendor's state (generated data, switches, nonces...),
// which its routes refer to. Whoever owns the router keeps it alive at least as long.
using vendor_state = std::shared_ptr<void>;

struct api_route {
  boost::beast::http::verb method;
  std::string path;  // exact, e.g. "/partoo/v2/reviews"
  std::string name;  // stats key, e.g. "partoo.reviews"
  handler handle;
  // When set, `path` is a prefix that every path starting with it matches (e.g.
  // "/clevertim/api/contact/" for read-one requests with the id in the path).
  bool prefix = false;
};

// One vendor's API: every request whose path starts with `prefix` is an API request.
struct api_scope {
  std::string prefix;  // "/partoo/"
  std::string name;    // "partoo"; unmatched paths count as "<name>.not_found"
  // Returns the rejection for a request that is not authenticated, nullopt to let it pass.
  std::function<std::optional<reply>(const request&)> authenticate;
  handler not_found;
  // A known path with another method; unset answers 405 JSON.
  handler method_not_allowed;
  // When set, 401 answers of `authenticate` are also counted under this stats key, so tests can
  // count challenge round trips.
  std::string unauthorized_name;
  std::vector<api_route> routes;
};

struct dispatched {
  reply response;
  std::chrono::milliseconds delay{0};
  bool close = false;
};

class router {
public:
  // Registers the vendor-independent control endpoints (health, stats, faults).
  explicit router(fault_config faults);

  void add_scope(api_scope scope);
  void add_control(boost::beast::http::verb method, std::string path, handler handle);

  dispatched dispatch(const http_request& req);

private:
  dispatched dispatch_api(const api_scope& scope, const request& req);

  struct control_route {
    boost::beast::http::verb method;
    std::string path;
    handler handle;
  };

  std::vector<api_scope> scopes_;
  std::vector<control_route> controls_;
  // Answers set by POST /_control/canned, by exact API path: served instead of the vendor's
  // (after authentication), so tests can send sluice any body a vendor might, bytes included.
  std::map<std::string, reply, std::less<>> canned_;
  fault_config faults_;
  std::uint64_t fault_counter_ = 0;
  request_stats stats_;
};

// Parses a control request body: empty means `{}`; anything but an object is a 400 reply_error.
boost::json::object parse_json_object(const request& req);

// The `{"errors":{"json":"..."}}` envelope used for generic failures.
std::string errors_json(std::string_view message);

}  // namespace sluice::fakeapi
