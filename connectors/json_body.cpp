#include "connectors/json_body.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cmath>
#include <system_error>

#include "core/error.hpp"

namespace sluice::connectors {
namespace {

std::string_view without_query(std::string_view url) {
  return url.substr(0, url.find_first_of("?#"));
}

[[noreturn]] void fail(const body_origin& origin, std::string_view problem) {
  throw error(error_kind::data, describe(origin) + ": " + std::string(problem));
}

// Media type without parameters, lower-cased: "application/json; charset=utf-8" ->
// "application/json".
std::string media_type(std::string_view content_type) {
  auto end = content_type.find(';');
  auto type = content_type.substr(0, end);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  std::string lower(type);
  for (auto& c : lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return lower;
}

bool is_json_media_type(std::string_view type) {
  return type == "application/json" || type == "text/json" ||
         (type.size() > 5 && type.substr(type.size() - 5) == "+json");
}

// A few bytes of a body for an error message, printable ASCII only: bodies are vendor text, and a
// log line must stay one line of valid UTF-8 whatever they contain.
std::string printable(std::string_view text, std::size_t limit) {
  std::string out;
  for (char c : text.substr(0, limit)) {
    auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u >= 0x7f) ? '?' : c;
  }
  return out;
}

bool is_decimal_literal(std::string_view s) {
  std::size_t i = 0;
  auto digits = [&] {
    std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (!digits()) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

std::string_view kind_name(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      return "a number";
    case boost::json::kind::string:
      return "a string";
    case boost::json::kind::array:
      return "an array";
    case boost::json::kind::object:
      return "an object";
  }
  return "a value";
}

}  // namespace

std::string describe(const body_origin& origin) {
  std::string text = "source '";
  text += origin.source;
  text += "': ";
  text += without_query(origin.url);
  return text;
}

namespace {

// The checks every body gets, whatever its top-level shape.
boost::json::value parse_json_body(std::string_view body, std::string_view content_type,
                                   const body_origin& origin) {
  if (!content_type.empty()) {
    auto type = media_type(content_type);
    if (!is_json_media_type(type))
      fail(origin, "answer is not JSON (Content-Type " + printable(content_type, 80) +
                       "), starting with '" + printable(body, 60) + "'");
  }
  boost::json::parse_options options;
  options.max_depth = 128;  // vendors nest deeper than Boost's default of 32 allows for
  boost::json::parser parser({}, options);
  // One arena per answer: a page is mapped and dropped as a whole, so freeing piecemeal is waste.
  parser.reset(boost::json::make_shared_resource<boost::json::monotonic_resource>());
  boost::json::error_code ec;
  std::size_t consumed = parser.write(body.data(), body.size(), ec);
  if (ec) {
    std::size_t from = consumed > 20 ? consumed - 20 : 0;
    fail(origin, "malformed JSON at byte " + std::to_string(consumed) + " of " +
                     std::to_string(body.size()) + " (" + ec.message() + ") near '" +
                     printable(body.substr(from), 50) + "'");
  }
  return parser.release();
}

}  // namespace

boost::json::object parse_object_body(std::string_view body, std::string_view content_type,
                                      const body_origin& origin) {
  boost::json::value value = parse_json_body(body, content_type, origin);
  if (!value.is_object())
    fail(origin, "expected a JSON object at the top level, got " + std::string(kind_name(value)));
  return std::move(value.get_object());
}

boost::json::array parse_array_body(std::string_view body, std::string_view content_type,
                                    const body_origin& origin) {
  boost::json::value value = parse_json_body(body, content_type, origin);
  if (!value.is_array())
    fail(origin, "expected a JSON array at the top level, got " + std::string(kind_name(value)));
  return std::move(value.get_array());
}

const boost::json::array& array_member(const boost::json::object& body, std::string_view key,
                                       const body_origin& origin) {
  const auto* value = body.if_contains(key);
  if (value == nullptr) fail(origin, "answer has no '" + std::string(key) + "' list");
  if (!value->is_array())
    fail(origin,
         "'" + std::string(key) + "' is " + std::string(kind_name(*value)) + ", expected an array");
  return value->get_array();
}

std::optional<std::int64_t> integer_member(const boost::json::object& body, std::string_view key) {
  const auto* value = body.if_contains(key);
  if (value == nullptr) return std::nullopt;
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64() && value->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(value->get_uint64());
  if (value->is_double()) {
    double d = value->get_double();
    if (std::trunc(d) == d && std::fabs(d) < 9e15) return static_cast<std::int64_t>(d);
    return std::nullopt;
  }
  if (value->is_string()) {
    std::string_view s = value->get_string();
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec == std::errc{} && end == s.data() + s.size()) return n;
  }
  return std::nullopt;
}

std::optional<std::string> id_text(const boost::json::value& value) {
  if (value.is_string() && !value.get_string().empty()) return std::string(value.get_string());
  if (value.is_int64()) return std::to_string(value.get_int64());
  if (value.is_uint64()) return std::to_string(value.get_uint64());
  return std::nullopt;
}

std::string serialize(const boost::json::value& value) { return boost::json::serialize(value); }

std::string excerpt(const boost::json::value& value) {
  constexpr std::size_t limit = 60;
  std::string text = boost::json::serialize(value);
  if (text.size() <= limit) return text;
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return text + "...";
}

std::optional<std::string> decimal_text(const boost::json::value& value) {
  if (value.is_int64()) return std::to_string(value.get_int64());
  if (value.is_uint64()) return std::to_string(value.get_uint64());
  if (value.is_double()) {
    double d = value.get_double();
    if (!std::isfinite(d)) return std::nullopt;
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);  // shortest text that round-trips
    if (ec != std::errc{}) return std::nullopt;
    return std::string(buf, end);
  }
  if (value.is_string() && is_decimal_literal(value.get_string()))
    return std::string(value.get_string());
  return std::nullopt;
}

std::optional<timestamp> timestamp_value(const boost::json::value& value) {
  if (value.is_string()) return parse_timestamp(value.get_string());
  if (value.is_number()) return from_unix_seconds(value.to_number<double>());
  return std::nullopt;
}

record_fields::record_fields(const boost::json::object& record, std::string label,
                             run_counters& counters)
    : record_(record), label_(std::move(label)), counters_(counters) {}

const boost::json::value* record_fields::find(std::string_view key) const noexcept {
  const auto* value = record_.if_contains(key);
  return value == nullptr || value->is_null() ? nullptr : value;
}

void record_fields::warn(std::string_view key, const boost::json::value& value,
                         std::string_view problem) const {
  std::string message = label_;
  message += ": ";
  message += key;
  message += ' ';
  message += excerpt(value);
  message += ' ';
  message += problem;
  message += "; stored as NULL, raw keeps it";
  counters_.warn(std::move(message));
}

std::optional<std::string> record_fields::text(std::string_view key) const {
  const auto* value = find(key);
  if (value == nullptr) return std::nullopt;
  if (value->is_string()) return std::string(value->get_string());
  warn(key, *value, "is " + std::string(kind_name(*value)) + ", expected a string");
  return std::nullopt;
}

std::optional<std::string> record_fields::id(std::string_view key) const {
  const auto* value = find(key);
  if (value == nullptr) return std::nullopt;
  auto text = id_text(*value);
  if (!text) warn(key, *value, "is not an identifier (a non-empty string or an integer)");
  return text;
}

std::optional<std::string> record_fields::number_text(std::string_view key) const {
  const auto* value = find(key);
  if (value == nullptr) return std::nullopt;
  auto text = decimal_text(*value);
  if (!text) warn(key, *value, "is not a number");
  return text;
}

std::optional<bool> record_fields::boolean(std::string_view key) const {
  const auto* value = find(key);
  if (value == nullptr) return std::nullopt;
  if (value->is_bool()) return value->get_bool();
  warn(key, *value, "is " + std::string(kind_name(*value)) + ", expected a boolean");
  return std::nullopt;
}

std::optional<timestamp> record_fields::time(std::string_view key) const {
  const auto* value = find(key);
  if (value == nullptr) return std::nullopt;
  auto t = timestamp_value(*value);
  if (!t) warn(key, *value, "is not a timestamp");
  return t;
}

record_fields record_fields::nested(const boost::json::object& inner, std::string_view what) const {
  return record_fields(inner, label_ + " " + std::string(what), counters_);
}

}  // namespace sluice::connectors
