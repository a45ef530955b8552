#include "fakeapi/router.hpp"

#include "fakeapi/json_writer.hpp"

#include <boost/beast/http/status.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>

namespace sluice::fakeapi {
namespace http = boost::beast::http;

namespace {

std::string reason(unsigned status) {
  return std::string(http::obsolete_reason(http::int_to_status(status)));
}

std::string html_page(unsigned status) {
  const std::string title = std::to_string(status) + " " + reason(status);
  return "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title +
         "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
}

// The credential headers of a request as a careless vendor would quote them back.
std::string received_credentials(const http_request& req) {
  std::string out;
  for (const auto& field : req) {
    const std::string name(field.name_string());
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower != "x-apikey" && lower != "x-api-key" && lower != "authorization") continue;
    if (!out.empty()) out += ", ";
    out += name + ": " + std::string(field.value());
  }
  return out.empty() ? "no credentials" : out;
}

// An error or HTML fault reply that repeats the request's credentials first (so they fall
// within any excerpt a client keeps), and in Location for a redirect.
reply echoing_reply(unsigned status, bool html, const http_request& req) {
  const std::string echo = received_credentials(req);
  reply out = html ? reply{status,
                           "text/html; charset=utf-8",
                           "<html><head><title>" + echo + "</title></head><body>" + reason(status) +
                               "</body></html>\r\n",
                           {}}
                   : json_reply(status, errors_json("Received " + echo + ": " + reason(status)));
  if (status >= 300 && status < 400) {
    std::string location = "/login?from=";
    for (char c : echo) location += c == ' ' ? '+' : c;
    out.headers.emplace_back("Location", location);
  }
  return out;
}

// Handler failures become replies here, so faults and delays still apply to them.
reply invoke(const handler& handle, const request& req) {
  try {
    return handle(req);
  } catch (const reply_error& e) {
    return e.response();
  } catch (const std::exception& e) {
    return json_reply(500, errors_json(std::string("Internal error: ") + e.what()));
  }
}

std::string from_hex(std::string_view hex) {
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::invalid_argument("body_hex is not hexadecimal");
  };
  if (hex.size() % 2 != 0) throw std::invalid_argument("body_hex has an odd length");
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2)
    out += static_cast<char>(digit(hex[i]) * 16 + digit(hex[i + 1]));
  return out;
}

}  // namespace

reply json_reply(unsigned status, std::string body) {
  return reply{status, "application/json", std::move(body), {}};
}

std::string errors_json(std::string_view message) {
  json_writer w;
  w.begin_object()
      .key("errors")
      .begin_object()
      .key("json")
      .string(message)
      .end_object()
      .end_object();
  return w.take();
}

std::optional<std::string> request::param(std::string_view key) const {
  std::optional<std::string> found;
  for (const auto& p : url.params()) {
    if (p.key == key) found = p.value;
  }
  return found;
}

boost::json::object parse_json_object(const request& req) {
  const std::string& body = req.http.body();
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return {};
  boost::system::error_code ec;
  auto value = boost::json::parse(body, ec);
  if (ec || !value.is_object()) {
    throw reply_error(json_reply(400, errors_json("Body must be a JSON object")));
  }
  return std::move(value.as_object());
}

router::router(fault_config faults) : faults_(std::move(faults)) {
  add_control(http::verb::get, "/_control/health", [](const request&) {
    return reply{200, "text/plain", "ok", {}};
  });
  add_control(http::verb::get, "/_control/stats",
              [this](const request&) { return json_reply(200, stats_.to_json()); });
  add_control(http::verb::post, "/_control/stats/reset", [this](const request&) {
    stats_.reset();
    return json_reply(200, stats_.to_json());
  });
  add_control(http::verb::get, "/_control/faults",
              [this](const request&) { return json_reply(200, to_json(faults_)); });
  add_control(http::verb::post, "/_control/faults", [this](const request& req) {
    try {
      faults_ = fault_config_from_json(parse_json_object(req));
    } catch (const std::invalid_argument& e) {
      throw reply_error(json_reply(400, errors_json(e.what())));
    }
    fault_counter_ = 0;
    return json_reply(200, to_json(faults_));
  });
  // {"path": "/partoo/v2/reviews", "status": 200, "content_type": "application/json",
  //  "body": "..." or "body_hex": "7b7d"}: every later request to that path gets this answer.
  // `body_hex` carries bytes a JSON string cannot (a cut UTF-8 character, Latin-1). An empty
  // object clears every canned answer.
  add_control(http::verb::post, "/_control/canned", [this](const request& req) {
    auto object = parse_json_object(req);
    if (object.empty()) {
      canned_.clear();
      return json_reply(200, "{}");
    }
    try {
      reply r;
      if (auto* status = object.if_contains("status"))
        r.status = static_cast<unsigned>(status->to_number<std::int64_t>());
      if (auto* type = object.if_contains("content_type"))
        r.content_type = std::string(type->as_string());
      if (auto* body = object.if_contains("body")) r.body = std::string(body->as_string());
      if (auto* hex = object.if_contains("body_hex")) r.body = from_hex(hex->as_string());
      canned_[std::string(object.at("path").as_string())] = std::move(r);
    } catch (const std::exception& e) {
      throw reply_error(
          json_reply(400, errors_json(std::string("Bad canned answer: ") + e.what())));
    }
    return json_reply(200, "{}");
  });
}

void router::add_scope(api_scope scope) { scopes_.push_back(std::move(scope)); }

void router::add_control(http::verb method, std::string path, handler handle) {
  controls_.push_back({method, std::move(path), std::move(handle)});
}

dispatched router::dispatch(const http_request& req) {
  const auto parsed = boost::urls::parse_origin_form(req.target());
  if (!parsed) return {json_reply(400, errors_json("Malformed request target")), {}, true};
  const request r{req, *parsed};
  const std::string_view path = parsed->encoded_path();

  if (path.starts_with("/_control/")) {
    bool path_known = false;
    for (const auto& control : controls_) {
      if (control.path != path) continue;
      path_known = true;
      if (control.method == req.method()) return {invoke(control.handle, r)};
    }
    return {path_known ? json_reply(405, errors_json("Method not allowed"))
                       : json_reply(404, errors_json("Resource not found"))};
  }
  for (const auto& scope : scopes_) {
    if (path.starts_with(scope.prefix)) return dispatch_api(scope, r);
  }
  return {json_reply(404, errors_json("Resource not found"))};
}

namespace {

// The answer a fault injects instead of the API's, if it replaces the answer altogether (a
// malformed answer is the API's own, cut afterwards).
std::optional<reply> injected_reply(const fault_config& faults, fault_kind fault,
                                    const request& req) {
  switch (fault) {
    case fault_kind::throttle: {
      auto out = json_reply(429, errors_json("Too many requests"));
      out.headers.emplace_back("Retry-After", faults.retry_after);
      return out;
    }
    case fault_kind::error:
      return faults.echo_credentials
                 ? echoing_reply(faults.error_status, false, req.http)
                 : json_reply(faults.error_status, errors_json(reason(faults.error_status)));
    case fault_kind::html:
      return faults.echo_credentials ? echoing_reply(faults.html_status, true, req.http)
                                     : reply{faults.html_status,
                                             "text/html; charset=utf-8",
                                             html_page(faults.html_status),
                                             {}};
    case fault_kind::malformed:
    case fault_kind::none: break;
  }
  return std::nullopt;
}

}  // namespace

dispatched router::dispatch_api(const api_scope& scope, const request& req) {
  const std::string_view path = req.url.encoded_path();
  const api_route* route = nullptr;
  bool path_known = false;
  for (const auto& candidate : scope.routes) {
    if (candidate.prefix ? !path.starts_with(candidate.path) : candidate.path != path) continue;
    path_known = true;
    if (candidate.method == req.http.method() && route == nullptr) route = &candidate;
  }
  const std::string name = route != nullptr ? route->name
                           : path_known     ? scope.name + ".method_not_allowed"
                                            : scope.name + ".not_found";
  stats_.record(name, req.http.target());

  const fault_kind fault = fault_for(faults_, ++fault_counter_);
  dispatched out;
  out.delay = std::chrono::milliseconds(faults_.slow_ms);
  if (auto injected = injected_reply(faults_, fault, req)) {
    out.response = std::move(*injected);
    return out;
  }

  if (auto rejected = scope.authenticate ? scope.authenticate(req) : std::nullopt) {
    out.response = std::move(*rejected);
    if (faults_.echo_credentials)
      out.response.body = errors_json("Invalid credentials: " + received_credentials(req.http));
    if (out.response.status == 401 && !scope.unauthorized_name.empty())
      stats_.count(scope.unauthorized_name);
  } else if (auto canned = canned_.find(path); canned != canned_.end()) {
    out.response = canned->second;
  } else if (route != nullptr) {
    out.response = invoke(route->handle, req);
  } else if (path_known) {
    out.response = scope.method_not_allowed ? invoke(scope.method_not_allowed, req)
                                            : json_reply(405, errors_json("Method not allowed"));
  } else {
    out.response = invoke(scope.not_found, req);
  }

  if (fault == fault_kind::malformed) {
    // Cut mid-object: a JSON text missing its closing brace never parses.
    auto& body = out.response.body;
    body.resize(std::max<std::size_t>(1, body.size() / 2));
    out.response.status = 200;
    out.response.content_type = "application/json";
  }
  return out;
}

}  // namespace sluice::fakeapi
