#include "fakeapi/router.hpp"

#include "fakeapi/json_writer.hpp"

#include <boost/beast/http/status.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>

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

}  // namespace

reply json_reply(unsigned status, std::string body) {
  return reply{status, "application/json", std::move(body), {}};
}

std::string errors_json(std::string_view message) {
  json_writer w;
  w.begin_object().key("errors").begin_object().key("json").string(message).end_object().end_object();
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
  switch (fault) {
    case fault_kind::throttle:
      out.response = json_reply(429, errors_json("Too many requests"));
      out.response.headers.emplace_back("Retry-After", faults_.retry_after);
      return out;
    case fault_kind::error:
      out.response = json_reply(faults_.error_status, errors_json(reason(faults_.error_status)));
      return out;
    case fault_kind::html:
      out.response = reply{faults_.html_status, "text/html; charset=utf-8", html_page(faults_.html_status), {}};
      return out;
    case fault_kind::malformed:
    case fault_kind::none:
      break;
  }

  if (auto rejected = scope.authenticate ? scope.authenticate(req) : std::nullopt) {
    out.response = std::move(*rejected);
    if (out.response.status == 401 && !scope.unauthorized_name.empty()) stats_.count(scope.unauthorized_name);
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
