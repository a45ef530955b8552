// The Clevertim imitation's HTTP endpoints: the vendor's read-only API behind Basic
// authentication, and the control routes.
#include "fakeapi/clevertim/api.hpp"

#include "fakeapi/ascii.hpp"
#include "fakeapi/clevertim/store.hpp"
#include "fakeapi/json_writer.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

#include <charconv>

namespace sluice::fakeapi::clevertim {
namespace {

namespace http = boost::beast::http;
using http::verb;

constexpr std::string_view api_prefix = "/clevertim/api/";
constexpr std::string_view control_prefix = "/_control/clevertim/";

std::optional<std::uint64_t> parse_id(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value == 0)
    return std::nullopt;
  return value;
}

// RFC 4648 base64 with padding; nullopt for anything else.
std::optional<std::string> decode_base64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  if (text.ends_with("==")) {
    text.remove_suffix(2);
  } else if (text.ends_with("=")) {
    text.remove_suffix(1);
  }
  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  std::uint32_t bits = 0;
  int pending = 0;
  for (const char c : text) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    if (c >= '0' && c <= '9') v = c - '0' + 52;
    if (c == '+') v = 62;
    if (c == '/') v = 63;
    if (v < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    pending += 6;
    if (pending >= 8) {
      pending -= 8;
      out += static_cast<char>((bits >> pending) & 0xff);
    }
  }
  return out;
}

std::optional<reply> authenticate(const store& s, const request& req) {
  const auto header = req.http.find(http::field::authorization);
  if (header != req.http.end()) {
    std::string_view value = header->value();
    const auto space = value.find(' ');
    if (space != std::string_view::npos && iequals(value.substr(0, space), "basic")) {
      value.remove_prefix(space);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
      if (const auto credentials = decode_base64(value)) {
        const auto colon = credentials->find(':');
        if (colon != std::string::npos &&
            std::string_view(*credentials).substr(0, colon) == s.token() &&
            std::string_view(*credentials).substr(colon + 1) == "X") {
          return std::nullopt;
        }
      }
    }
  }
  reply rejected = error_reply(401, "Authentication failed");
  rejected.headers.emplace_back("WWW-Authenticate", "Basic realm=\"Clevertim\"");
  return rejected;
}

reply read_all(store& s, resource r) {
  if (auto failed = s.take_failure(r)) return std::move(*failed);
  if (s.answers_empty(r)) return json_reply(200, R"({"status":"OK","content":[]})");
  return json_reply(200, s.listing(r));
}

// GET /clevertim/api/<resource>/<id>
reply read_one(store& s, resource r, const request& req) {
  if (auto failed = s.take_failure(r)) return std::move(*failed);
  const std::string_view path = req.url.encoded_path();
  const auto id = parse_id(path.substr(api_prefix.size() + name_of(r).size() + 1));
  const record* found = id ? s.find(r, *id) : nullptr;
  if (found == nullptr) return error_reply(404, "Object not found");
  json_writer w;
  w.begin_object().key("status").string("OK").key("content").begin_array();
  s.writer().write_record(w, r, *found);
  w.end_array().end_object();
  return json_reply(200, w.take());
}

}  // namespace

vendor_state install(router& routes, options opts) {
  auto state = std::make_shared<store>(std::move(opts));
  store& s = *state;
  api_scope scope;
  scope.prefix = "/clevertim/";
  scope.name = "clevertim";
  scope.unauthorized_name = "clevertim.unauthorized";
  scope.authenticate = [&s](const request& req) { return authenticate(s, req); };
  scope.not_found = [](const request&) { return error_reply(404, "Resource not found"); };
  // The API is read-only here: every other verb on a resource is "not supported".
  scope.method_not_allowed = [](const request&) {
    return error_reply(501, "Operation not supported");
  };
  for (const auto r : all_resources) {
    const std::string path = std::string(api_prefix) + std::string(name_of(r));
    const std::string stats = "clevertim." + std::string(name_of(r));
    scope.routes.push_back(
        {verb::get, path, stats, [&s, r](const request&) { return read_all(s, r); }});
    scope.routes.push_back({verb::get, path + "/", stats + ".one",
                            [&s, r](const request& req) { return read_one(s, r, req); }, true});
    routes.add_control(verb::get, std::string(control_prefix) + std::string(name_of(r)),
                       [&s, r](const request&) { return s.dump(r); });
  }
  routes.add_scope(std::move(scope));

  routes.add_control(verb::post, std::string(control_prefix) + "mutate",
                     [&s](const request& req) { return s.mutate(req); });
  routes.add_control(verb::get, std::string(control_prefix) + "fail",
                     [&s](const request&) { return s.failures(); });
  routes.add_control(verb::post, std::string(control_prefix) + "fail",
                     [&s](const request& req) { return s.fail(req); });
  routes.add_control(verb::post, std::string(control_prefix) + "empty",
                     [&s](const request& req) { return s.set_empty(req); });
  routes.add_control(verb::get, std::string(control_prefix) + "timezone",
                     [&s](const request&) { return s.timezone(); });
  routes.add_control(verb::post, std::string(control_prefix) + "timezone",
                     [&s](const request& req) { return s.set_timezone(req); });
  routes.add_control(verb::post, std::string(control_prefix) + "task_dates",
                     [&s](const request& req) { return s.pin_task_dates(req); });
  return state;
}

}  // namespace sluice::fakeapi::clevertim
