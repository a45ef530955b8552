// /_control/proxy: the proxy's counts and switches, for tests.
#include "fakeapi/control_body.hpp"
#include "fakeapi/json_writer.hpp"
#include "fakeapi/proxy/proxy.hpp"

#include <boost/beast/http/verb.hpp>
#include <boost/json/object.hpp>

namespace sluice::fakeapi::proxy {
namespace {

namespace http = boost::beast::http;

reply describe(const state& st) {
  json_writer w;
  w.begin_object();
  w.key("requests").number(static_cast<std::int64_t>(st.requests));
  w.key("tunnels").number(static_cast<std::int64_t>(st.tunnels));
  w.key("refused").number(static_cast<std::int64_t>(st.refused));
  w.key("refuse").number(st.refuse);
  w.key("stall").boolean(st.stall);
  w.key("targets").begin_array();
  for (const auto& t : st.targets) w.string(t);
  w.end_array();
  w.end_object();
  return json_reply(200, w.take());
}

bool read_flag(const boost::json::object& body, std::string_view key, bool fallback) {
  const auto* v = body.if_contains(key);
  if (!v || v->is_null()) return fallback;
  if (!v->is_bool())
    throw reply_error(json_reply(400, errors_json(std::string(key) + " must be a boolean")));
  return v->as_bool();
}

reply change(state& st, const request& req) {
  const auto body = parse_json_object(req);
  const auto refuse = read_count(body, "refuse", st.refuse);
  if (refuse != 0 && (refuse < 100 || refuse > 599))
    throw reply_error(json_reply(400, errors_json("refuse must be 0 or an HTTP status")));
  st.refuse = static_cast<unsigned>(refuse);
  st.stall = read_flag(body, "stall", st.stall);
  if (read_flag(body, "reset", false)) {
    st.requests = st.tunnels = st.refused = 0;
    st.targets.clear();
  }
  return describe(st);
}

}  // namespace

std::shared_ptr<state> install(router& routes, options opts) {
  auto st = std::make_shared<state>();
  st->refuse = opts.refuse;
  st->opts = std::move(opts);
  state& s = *st;
  routes.add_control(http::verb::get, "/_control/proxy",
                     [&s](const request&) { return describe(s); });
  routes.add_control(http::verb::post, "/_control/proxy",
                     [&s](const request& req) { return change(s, req); });
  return st;
}

}  // namespace sluice::fakeapi::proxy
