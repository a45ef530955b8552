#include "fakeapi/clevertim/store.hpp"

#include "fakeapi/control_body.hpp"
#include "fakeapi/json_writer.hpp"

#include <algorithm>
#include <stdexcept>

namespace sluice::fakeapi::clevertim {
namespace {

std::string_view default_error(unsigned status) {
  switch (status) {
    case 400: return "Bad request";
    case 401: return "Authentication failed";
    case 404: return "Not found";
    case 429: return "Too many requests";
    case 500: return "Your JSON cannot be parsed";  // the vendor's meaning of 500
    case 501: return "Operation not supported";
    case 502: return "Bad gateway";
    case 503: return "Service temporarily unavailable";
    case 504: return "Gateway timeout";
    default: return "Error";
  }
}

resource read_resource(const boost::json::object& body) {
  const auto* value = body.if_contains("resource");
  if (value == nullptr || !value->is_string()) {
    throw reply_error(json_reply(400, errors_json("resource must be one of contact, company, case, "
                                                  "opportunity, task, note, customfield")));
  }
  const auto r = resource_named(value->get_string());
  if (!r)
    throw reply_error(json_reply(
        400, errors_json("unknown resource '" + std::string(value->get_string()) + "'")));
  return *r;
}

}  // namespace

reply error_reply(unsigned status, std::string_view message) {
  json_writer w;
  w.begin_object().key("status").string("ERROR").key("error").string(message).end_object();
  return json_reply(status, w.take());
}

store::store(options opts) : options_(std::move(opts)), zone_(options_.timezone) {
  data_ = generate(options_);
  clock_.start_at(latest_instant(data_) + micros_per_second);
}

std::optional<reply> store::take_failure(resource r) {
  auto& rule = failures_[index(r)];
  if (!rule) return std::nullopt;
  reply failed = error_reply(rule->status, rule->error);
  if (--rule->remaining == 0) rule.reset();
  return failed;
}

const std::string& store::listing(resource r) {
  auto& cached = cache_[index(r)];
  if (!cached) {
    const auto& records = data_.records[index(r)];
    json_writer w;
    w.reserve(64 + records.size() * (r == resource::customfield ? 200 : 900));
    w.begin_object().key("status").string("OK").key("content").begin_array();
    const record_writer out = writer();
    for (const auto& rec : records) out.write_record(w, r, rec);
    w.end_array().end_object();
    cached = w.take();
  }
  return *cached;
}

const record* store::find(resource r, std::uint64_t id) const {
  const auto& records = data_.records[index(r)];
  const auto it =
      std::lower_bound(records.begin(), records.end(), id,
                       [](const record& rec, std::uint64_t value) { return rec.id < value; });
  return it == records.end() || it->id != id ? nullptr : &*it;
}

reply store::failures() const {
  json_writer w;
  w.begin_object();
  for (const auto r : all_resources) {
    const auto& rule = failures_[index(r)];
    if (!rule) continue;
    w.key(name_of(r)).begin_object();
    w.key("status").number(rule->status);
    w.key("error").string(rule->error);
    w.key("remaining").number(static_cast<std::int64_t>(rule->remaining));
    w.end_object();
  }
  w.end_object();
  return json_reply(200, w.take());
}

reply store::fail(const request& req) {
  const auto body = parse_json_object(req);
  const resource r = read_resource(body);
  failure rule;
  const std::uint64_t status = read_count(body, "status", 503);
  if (status < 400 || status > 599)
    throw reply_error(json_reply(400, errors_json("status must be 400..599")));
  rule.status = static_cast<unsigned>(status);
  rule.remaining = read_count(body, "times", 1);
  if (const auto* error = body.if_contains("error"); error != nullptr && !error->is_null()) {
    if (!error->is_string())
      throw reply_error(json_reply(400, errors_json("error must be a string")));
    rule.error = std::string(error->get_string());
  } else {
    rule.error = std::string(default_error(rule.status));
  }
  auto& slot = failures_[index(r)];
  if (rule.remaining == 0) {
    slot.reset();
  } else {
    slot = std::move(rule);
  }
  return failures();
}

reply store::set_empty(const request& req) {
  const auto body = parse_json_object(req);
  const resource r = read_resource(body);
  bool empty = true;
  if (const auto* value = body.if_contains("empty"); value != nullptr && !value->is_null()) {
    if (!value->is_bool())
      throw reply_error(json_reply(400, errors_json("empty must be a boolean")));
    empty = value->get_bool();
  }
  empty_[index(r)] = empty;
  json_writer w;
  w.begin_object();
  for (const auto each : all_resources) w.key(name_of(each)).boolean(empty_[index(each)]);
  w.end_object();
  return json_reply(200, w.take());
}

reply store::timezone() const {
  json_writer w;
  w.begin_object().key("timezone").string(zone_.name()).end_object();
  return json_reply(200, w.take());
}

reply store::set_timezone(const request& req) {
  const auto body = parse_json_object(req);
  const auto* name = body.if_contains("timezone");
  if (name == nullptr || !name->is_string())
    throw reply_error(json_reply(400, errors_json("timezone must be a string")));
  try {
    zone_ = account_clock(name->get_string());
  } catch (const std::invalid_argument& e) {
    throw reply_error(json_reply(400, errors_json(e.what())));
  }
  cache_[index(resource::task)].reset();
  return timezone();
}

namespace {

// Absent: keep; null: no date; "2023-10-29T00:30:00Z": an instant; {y, mo, d, h, mi}: wall-clock
// fields sent as they are.
std::optional<pinned_date> read_pinned_date(const boost::json::object& body, std::string_view key,
                                            std::optional<pinned_date> current) {
  const auto* value = body.if_contains(key);
  if (value == nullptr) return current;
  if (value->is_null()) return pinned_date{};
  if (value->is_string()) {
    std::string_view text = value->get_string();
    if (text.ends_with('Z')) text.remove_suffix(1);
    if (const auto utc = parse_naive_utc(text)) return pinned_date{*utc, std::nullopt};
  } else if (value->is_object()) {
    std::array<std::int64_t, 5> fields{};
    std::size_t i = 0;
    for (const auto* part : {"y", "mo", "d", "h", "mi"}) {
      const auto* v = value->get_object().if_contains(part);
      if (v == nullptr || !v->is_int64()) break;
      fields[i++] = v->get_int64();
    }
    if (i == fields.size()) return pinned_date{std::nullopt, fields};
  }
  throw reply_error(json_reply(
      400, errors_json(std::string(key) + " must be null, an ISO instant or {y, mo, d, h, mi}")));
}

}  // namespace

reply store::pin_task_dates(const request& req) {
  const auto body = parse_json_object(req);
  const std::uint64_t id = read_count(body, "id", 0);
  const auto& tasks = data_.records[index(resource::task)];
  if (std::none_of(tasks.begin(), tasks.end(), [id](const record& rec) { return rec.id == id; })) {
    throw reply_error(json_reply(404, errors_json("no task " + std::to_string(id))));
  }
  task_pin& pin = pins_[id];
  pin.start = read_pinned_date(body, "startDate", pin.start);
  pin.end = read_pinned_date(body, "endDate", pin.end);
  cache_[index(resource::task)].reset();
  json_writer w;
  w.begin_object().key("status").string("OK").key("content").begin_array();
  writer().write_task(w, *std::find_if(tasks.begin(), tasks.end(),
                                       [id](const record& rec) { return rec.id == id; }));
  w.end_array().end_object();
  return json_reply(200, w.take());
}

}  // namespace sluice::fakeapi::clevertim
