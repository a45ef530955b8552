#include "connectors/json_body.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <system_error>

#include "core/error.hpp"
#include "core/record.hpp"

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
    case boost::json::kind::null: return "null";
    case boost::json::kind::bool_: return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_: return "a number";
    case boost::json::kind::string: return "a string";
    case boost::json::kind::array: return "an array";
    case boost::json::kind::object: return "an object";
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

constexpr std::size_t max_nesting = 128;  // vendors nest deeper than Boost's default of 32

boost::json::parse_options parse_options() {
  boost::json::parse_options options;
  options.max_depth = max_nesting;
  return options;
}

// An absent Content-Type is tolerated: the parse decides.
void check_json_content_type(std::string_view body, std::string_view content_type,
                             const body_origin& origin) {
  if (content_type.empty()) return;
  auto type = media_type(content_type);
  if (!is_json_media_type(type))
    fail(origin, "answer is not JSON (Content-Type " + printable(content_type, 80) +
                     "), starting with '" + printable(body, 60) + "'");
}

// "malformed JSON at byte 12 of 40 (problem) near '...'": the offset is into the whole body.
std::string malformed(std::string_view body, std::size_t offset, std::string_view problem) {
  std::size_t from = offset > 20 ? offset - 20 : 0;
  return "malformed JSON at byte " + std::to_string(offset) + " of " + std::to_string(body.size()) +
         " (" + std::string(problem) + ") near '" +
         printable(body.substr(std::min(from, body.size())), 50) + "'";
}

// The checks every body gets, whatever its top-level shape.
boost::json::value parse_json_body(std::string_view body, std::string_view content_type,
                                   const body_origin& origin) {
  check_json_content_type(body, content_type, origin);
  boost::json::parser parser({}, parse_options());
  // One arena per answer: a page is mapped and dropped as a whole, so freeing piecemeal is waste.
  parser.reset(boost::json::make_shared_resource<boost::json::monotonic_resource>());
  boost::json::error_code ec;
  std::size_t consumed = parser.write(body.data(), body.size(), ec);
  if (ec) fail(origin, malformed(body, consumed, ec.message()));
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

std::string required_id(const boost::json::object& record, std::string_view what) {
  const auto* value = record.if_contains("id");
  auto id = value == nullptr ? std::nullopt : id_text(*value);
  if (!id)
    throw error(error_kind::data, std::string(what) + " without a usable id (" +
                                      (value == nullptr ? std::string("absent") : excerpt(*value)) +
                                      "): " + excerpt(boost::json::value(record)));
  return *id;
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
  if (value.is_string() && is_decimal_literal(value.get_string()) &&
      numeric_can_hold(value.get_string()))
    return std::string(value.get_string());
  return std::nullopt;
}

std::optional<timestamp> timestamp_value(const boost::json::value& value) {
  if (value.is_string()) return parse_timestamp(value.get_string());
  if (value.is_number()) return from_unix_seconds(value.to_number<double>());
  return std::nullopt;
}

record_fields::record_fields(const boost::json::object& record, std::string label,
                             run_counters& counters, std::string_view text)
    : record_(record), label_(std::move(label)), counters_(counters), text_(text) {}

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

std::optional<std::string> record_fields::indexed_text(std::string_view key) const {
  auto value = text(key);
  if (!value || value->size() <= max_id_bytes) return value;
  warn(key, *find(key),
       "is " + std::to_string(value->size()) + " bytes long; an indexed column holds at most " +
           std::to_string(max_id_bytes));
  return std::nullopt;
}

std::optional<std::string> record_fields::id(std::string_view key) const {
  const auto* value = find(key);
  if (value == nullptr) return std::nullopt;
  auto text = id_text(*value);
  if (!text) {
    warn(key, *value, "is not an identifier (a non-empty string or an integer)");
  } else if (text->find('\0') != std::string::npos || text->size() > max_id_bytes) {
    // PostgreSQL cannot store a NUL, and an id this long would fail its index on every run.
    warn(
        key, *value,
        "is not a storable identifier (a NUL, or over " + std::to_string(max_id_bytes) + " bytes)");
    return std::nullopt;
  }
  return text;
}

std::optional<std::string> record_fields::number_text(std::string_view key) const {
  const auto* value = find(key);
  if (value == nullptr) return std::nullopt;
  // A double may have rounded the vendor's number (30 digits) or overflowed (1e400): the
  // literal is what was sent.
  if (value->is_double() && !text_.empty()) {
    auto literal = member_text(text_, key);
    if (literal && is_decimal_literal(*literal)) {
      if (numeric_can_hold(*literal)) return std::string(*literal);
      // Quoted as sent (shortened): the parsed double would print as Infinity.
      const bool cut = literal->size() > 40;
      counters_.warn(label_ + ": " + std::string(key) + ' ' + std::string(literal->substr(0, 40)) +
                     (cut ? "..." : "") +
                     " is beyond the range of a numeric column; stored as NULL, raw keeps it");
      return std::nullopt;
    }
  }
  auto text = decimal_text(*value);
  if (!text)
    warn(key, *value,
         value->is_number() ? "is beyond the range of a numeric column" : "is not a number");
  return text;
}

std::optional<std::string> record_fields::json(std::string_view key) const {
  const auto* value = find(key);
  if (value == nullptr) return std::nullopt;
  auto original = text_.empty() ? std::nullopt : member_text(text_, key);
  return storable_json(*value, original.value_or(std::string_view()), key);
}

std::string record_fields::raw() const {
  return storable_json(boost::json::value(record_), text_, "raw");
}

std::string record_fields::storable_json(const boost::json::value& value, std::string_view original,
                                         std::string_view what) const {
  json_text_problems problems;
  std::string text = json_text(value, original, problems);
  if (problems.nul_dropped)
    counters_.warn(label_ + ": " + std::string(what) +
                   " holds a NUL character (\\u0000), which PostgreSQL cannot store; dropped");
  if (problems.number_quoted)
    counters_.warn(label_ + ": " + std::string(what) +
                   " holds a number beyond PostgreSQL's numeric range; stored as a string of its "
                   "digits");
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

// ---- list_body_reader

namespace {

// Where the structural scan found the body unusable; turned into a sluice::error by the caller,
// which knows the origin.
struct scan_failure {
  std::size_t offset;
  std::string problem;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::size_t skip_space(std::string_view s, std::size_t i) {
  while (i < s.size() && is_space(s[i])) ++i;
  return i;
}

// `i` is at an opening quote; returns the offset just past the closing one. An escaped character
// (`\"`, `\\`) never ends the string; whether the escapes are valid is the parser's business.
std::size_t skip_string(std::string_view s, std::size_t i) {
  const std::size_t start = i;
  // A plain loop: find_first_of calls memchr on its two-character set once per character.
  for (++i;;) {
    while (i < s.size() && s[i] != '"' && s[i] != '\\') ++i;
    if (i == s.size()) throw scan_failure{start, "unterminated string"};
    if (s[i] == '"') return i + 1;
    i += 2;  // the backslash and the character it escapes
    if (i > s.size()) throw scan_failure{start, "unterminated string"};
  }
}

bool is_scalar_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
         c == '+' || c == '.';
}

// Returns the offset just past the value starting at `i` (whitespace before it skipped). Checks
// the structure only: brackets matched, strings closed, commas and colons in place, nesting
// bounded. Numbers and literals are runs of their characters; the parser checks them. Iterative,
// so a hostile `[[[[...` cannot overflow the stack.
std::size_t skip_value(std::string_view s, std::size_t i) {
  enum class want { value, value_or_close, key, key_or_close };
  std::string open;  // the containers entered, innermost last
  want next = want::value;
  for (;;) {
    i = skip_space(s, i);
    if (i == s.size()) throw scan_failure{i, "unexpected end of the body"};
    const char c = s[i];

    if (next == want::key || next == want::key_or_close) {
      if (next == want::key_or_close && c == '}') {
        open.pop_back();
        ++i;
      } else {
        if (c != '"') throw scan_failure{i, "expected a member name"};
        i = skip_space(s, skip_string(s, i));
        if (i == s.size()) throw scan_failure{i, "unexpected end of the body"};
        if (s[i] != ':') throw scan_failure{i, "expected ':'"};
        ++i;
        next = want::value;
        continue;
      }
    } else if (next == want::value_or_close && c == ']') {
      open.pop_back();
      ++i;
    } else if (c == '{' || c == '[') {
      if (open.size() >= max_nesting) throw scan_failure{i, "nested too deeply"};
      open.push_back(c);
      ++i;
      next = c == '{' ? want::key_or_close : want::value_or_close;
      continue;
    } else if (c == '"') {
      i = skip_string(s, i);
    } else if (is_scalar_char(c)) {
      while (i < s.size() && is_scalar_char(s[i])) ++i;
    } else {
      throw scan_failure{i, "unexpected character"};
    }

    // A value ended: close every container that ends here, or expect the next member/element.
    for (;;) {
      if (open.empty()) return i;
      i = skip_space(s, i);
      if (i == s.size()) throw scan_failure{i, "unexpected end of the body"};
      const char close = open.back() == '{' ? '}' : ']';
      if (s[i] == close) {
        open.pop_back();
        ++i;
        continue;
      }
      if (s[i] != ',') throw scan_failure{i, std::string("expected ',' or '") + close + "'"};
      ++i;
      next = open.back() == '{' ? want::key : want::value;
      break;
    }
  }
}

std::string_view kind_at(char c) {
  switch (c) {
    case '{': return "an object";
    case '[': return "an array";
    case '"': return "a string";
    case 't':
    case 'f': return "a boolean";
    case 'n': return "null";
    default: return "a number";
  }
}

}  // namespace

struct list_body_reader::state {
  std::string_view body;
  std::string source;
  std::string url;
  std::string list_key;
  boost::json::object members;
  std::optional<std::size_t> list_begin;  // offset of the list member's value
  std::size_t position = 0;               // after '[' or after the last element handed out
  std::size_t count = 0;
  std::string_view current_text;  // the element handed out last, as sent
  bool started = false;
  bool done = false;

  // The arena of the current element: dropped before the next one is parsed, so a whole answer
  // costs one element's worth of parse memory (a typical record fits the inline buffer). A new
  // arena per element rather than release(): Boost 1.81's release() keeps the doubled size of
  // the next upstream block, which grows without bound over thousands of elements.
  unsigned char buffer[16384];
  std::optional<boost::json::monotonic_resource> arena;
  boost::json::parser parser{{}, parse_options()};
  // Declared last: destroyed before the arena it lives in. An optional, because emplacing moves
  // the parser's value in with its arena, where assigning to a value would copy it into the
  // assignee's (default) storage.
  std::optional<boost::json::value> current;

  body_origin origin() const { return {source, url}; }
};

namespace {

// A member name as written (`quoted`, at `offset` in the body), unescaped.
std::string member_name(std::string_view quoted, std::size_t offset) {
  std::string key(quoted.substr(1, quoted.size() - 2));
  if (key.find('\\') == std::string::npos) return key;
  boost::json::error_code ec;
  auto decoded = boost::json::parse(quoted, ec);
  if (ec) throw scan_failure{offset, "member name: " + ec.message()};
  return std::string(decoded.as_string());
}

// The member value at [begin, end) of the body, parsed.
boost::json::value member_value(std::string_view body, std::size_t begin, std::size_t end) {
  boost::json::parser parser({}, parse_options());
  boost::json::error_code ec;
  auto used = parser.write(body.data() + begin, end - begin, ec);
  if (ec) throw scan_failure{begin + used, ec.message()};
  return parser.release();
}

}  // namespace

list_body_reader::list_body_reader(std::string_view body, std::string_view content_type,
                                   std::string list_key, const body_origin& origin)
    : state_(std::make_unique<state>()) {
  auto& st = *state_;
  st.body = body;
  st.source = std::string(origin.source);
  st.url = std::string(origin.url);
  st.list_key = std::move(list_key);
  check_json_content_type(body, content_type, origin);

  try {
    std::size_t i = skip_space(body, 0);
    if (i == body.size()) throw scan_failure{i, "empty body"};
    if (body[i] != '{') {
      skip_value(body, i);  // a broken body is reported as broken, not as the wrong shape
      fail(origin, "expected a JSON object at the top level, got " + std::string(kind_at(body[i])));
    }
    i = skip_space(body, i + 1);
    if (i < body.size() && body[i] == '}') {
      ++i;
    } else {
      for (;;) {
        if (i == body.size()) throw scan_failure{i, "unexpected end of the body"};
        if (body[i] != '"') throw scan_failure{i, "expected a member name"};
        const std::size_t key_begin = i;
        i = skip_string(body, i);
        const std::string key = member_name(body.substr(key_begin, i - key_begin), key_begin);
        i = skip_space(body, i);
        if (i == body.size()) throw scan_failure{i, "unexpected end of the body"};
        if (body[i] != ':') throw scan_failure{i, "expected ':'"};
        const std::size_t value_begin = skip_space(body, i + 1);
        const std::size_t value_end = skip_value(body, value_begin);
        if (key == st.list_key) {
          // Two lists would make "the" list ambiguous; a parser keeping either would hide data.
          if (st.list_begin) throw scan_failure{key_begin, "member '" + key + "' appears twice"};
          st.list_begin = value_begin;
        } else {
          st.members[key] = member_value(body, value_begin, value_end);
        }
        i = skip_space(body, value_end);
        if (i == body.size()) throw scan_failure{i, "unexpected end of the body"};
        if (body[i] == '}') {
          ++i;
          break;
        }
        if (body[i] != ',') throw scan_failure{i, "expected ',' or '}'"};
        i = skip_space(body, i + 1);
      }
    }
    i = skip_space(body, i);
    if (i != body.size()) throw scan_failure{i, "unexpected text after the JSON value"};
  } catch (const scan_failure& f) {
    fail(origin, malformed(body, f.offset, f.problem));
  }
}

list_body_reader::~list_body_reader() = default;
list_body_reader::list_body_reader(list_body_reader&&) noexcept = default;
list_body_reader& list_body_reader::operator=(list_body_reader&&) noexcept = default;

const boost::json::object& list_body_reader::members() const noexcept { return state_->members; }

bool list_body_reader::has_list() const noexcept { return state_->list_begin.has_value(); }

std::size_t list_body_reader::count() const noexcept { return state_->count; }

std::string_view list_body_reader::text() const noexcept { return state_->current_text; }

const boost::json::value* list_body_reader::next() {
  auto& st = *state_;
  const auto body = st.body;
  if (!st.started) {
    if (!st.list_begin) fail(st.origin(), "answer has no '" + st.list_key + "' list");
    if (body[*st.list_begin] != '[')
      fail(st.origin(), "'" + st.list_key + "' is " + std::string(kind_at(body[*st.list_begin])) +
                            ", expected an array");
    st.started = true;
    st.position = *st.list_begin + 1;
  }
  st.current.reset();  // the previous element goes before its arena
  st.arena.reset();
  st.current_text = {};
  if (st.done) return nullptr;

  // The constructor's scan proved the list well-formed: only ',' ']' and elements follow.
  std::size_t i = skip_space(body, st.position);
  if (body[i] == ']') {
    st.done = true;
    return nullptr;
  }
  if (st.count > 0) i = skip_space(body, i + 1);  // the ',' between elements
  const std::size_t begin = i;
  const std::size_t end = skip_value(body, begin);

  st.arena.emplace(st.buffer, sizeof st.buffer);
  st.parser.reset(boost::json::storage_ptr(&*st.arena));
  boost::json::error_code ec;
  const std::size_t used = st.parser.write(body.data() + begin, end - begin, ec);
  if (ec)
    fail(st.origin(), st.list_key + "[" + std::to_string(st.count) +
                          "]: " + malformed(body, begin + used, ec.message()));
  st.current.emplace(st.parser.release());
  st.current_text = body.substr(begin, end - begin);
  st.position = end;
  ++st.count;
  return &*st.current;
}

}  // namespace sluice::connectors

// ---- exact text of records and members

namespace sluice::connectors {
namespace {

// A member name as the parser sees it: escapes decoded.
std::optional<std::string> decoded_name(std::string_view quoted) {
  auto inner = quoted.substr(1, quoted.size() - 2);
  if (inner.find('\\') == std::string_view::npos) return std::string(inner);
  boost::json::error_code ec;
  auto decoded = boost::json::parse(quoted, ec);
  if (ec || !decoded.is_string()) return std::nullopt;
  return std::string(decoded.get_string());
}

// Runs of letters, digits and number signs outside strings: numbers and the literals.
std::size_t token_end(std::string_view s, std::size_t i) {
  while (i < s.size() && is_scalar_char(s[i])) ++i;
  return i;
}

// Whether the parse tree reproduces this number exactly when serialized: only integers that fit
// an int64 do. Any fraction or exponent comes back in the serializer's own form (4.50 as 4.5E0,
// which jsonb keeps as 4.5), and longer integers become doubles.
bool tree_keeps(std::string_view literal) {
  if (literal.find_first_of(".eE") != std::string_view::npos) return false;
  const std::size_t digits = literal.size() - (literal.front() == '-' ? 1 : 0);
  return digits <= 18;
}

// Whether some number of `text` (valid JSON) would not come back from the tree as sent.
bool needs_original(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '"') {
      i = skip_string(text, i);
    } else if (text[i] == '-' || (text[i] >= '0' && text[i] <= '9')) {
      const std::size_t end = token_end(text, i);
      if (!tree_keeps(text.substr(i, end - i))) return true;
      i = end;
    } else {
      ++i;
    }
  }
  return false;
}

// A copy of JSON `text` that jsonb accepts: `\u0000` escapes dropped, and tokens that are not a
// storable number or literal (1e999999, and the Infinity a serializer writes for an overflowed
// double) quoted as strings.
std::string jsonb_storable(std::string_view text, json_text_problems& problems) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '"') {
      const std::size_t end = skip_string(text, i);
      for (std::size_t k = i; k < end;) {
        if (text[k] != '\\') {
          // The run up to the next escape, in one append.
          const std::string_view rest = text.substr(k, end - k);
          const std::size_t run = std::min(rest.size(), rest.find('\\'));
          out.append(rest.substr(0, run));
          k += run;
        } else if (text.substr(k, 6) == "\\u0000") {
          problems.nul_dropped = true;
          k += 6;
        } else {
          out.append(text.substr(k, 2));
          k += 2;
        }
      }
      i = end;
    } else if (is_scalar_char(c)) {
      const std::size_t end = token_end(text, i);
      const auto token = text.substr(i, end - i);
      if (token == "true" || token == "false" || token == "null" ||
          (is_decimal_literal(token) && numeric_can_hold(token))) {
        out.append(token);
      } else {
        problems.number_quoted = true;
        out += '"';
        out.append(token);
        out += '"';
      }
      i = end;
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

// The exponent of a literal, saturated: only whether it is far out of range matters.
long long exponent_of(std::string_view digits) {
  long long e = 0;
  for (char c : digits) e = std::min(e * 10 + (c - '0'), 1'000'000'000LL);
  return e;
}

}  // namespace

bool numeric_can_hold(std::string_view literal) noexcept {
  if (!is_decimal_literal(literal)) return false;
  if (literal.front() == '-') literal.remove_prefix(1);
  const auto e_at = literal.find_first_of("eE");
  long long exponent = 0;
  if (e_at != std::string_view::npos) {
    auto e = literal.substr(e_at + 1);
    const bool negative = !e.empty() && e.front() == '-';
    if (!e.empty() && (e.front() == '-' || e.front() == '+')) e.remove_prefix(1);
    exponent = negative ? -exponent_of(e) : exponent_of(e);
    literal = literal.substr(0, e_at);
  }
  const auto point = literal.find('.');
  const auto int_digits =
      static_cast<long long>(point == std::string_view::npos ? literal.size() : point);
  const auto frac_digits =
      static_cast<long long>(point == std::string_view::npos ? 0 : literal.size() - point - 1);
  // PostgreSQL keeps the scale as written: 1.50e-16382 needs 16,384 digits after the point.
  if (frac_digits - exponent > 16383) return false;
  const auto first = literal.find_first_not_of("0.");
  if (first == std::string_view::npos) return true;  // zero
  // The power of ten of the leading digit.
  const long long lead =
      (static_cast<long long>(first) < int_digits ? int_digits - static_cast<long long>(first) - 1
                                                  : int_digits - static_cast<long long>(first)) +
      exponent;
  return lead < 131072;
}

std::optional<std::string_view> member_text(std::string_view s, std::string_view key) {
  std::optional<std::string_view> found;
  try {
    std::size_t i = skip_space(s, 0);
    if (i == s.size() || s[i] != '{') return std::nullopt;
    i = skip_space(s, i + 1);
    while (i < s.size() && s[i] == '"') {
      const std::size_t name_begin = i;
      const std::size_t name_end = skip_string(s, i);
      i = skip_space(s, name_end);
      if (i == s.size() || s[i] != ':') break;
      const std::size_t value_begin = skip_space(s, i + 1);
      const std::size_t value_end = skip_value(s, value_begin);
      if (decoded_name(s.substr(name_begin, name_end - name_begin)) == key)
        found = s.substr(value_begin, value_end - value_begin);
      i = skip_space(s, value_end);
      if (i == s.size() || s[i] != ',') break;
      i = skip_space(s, i + 1);
    }
  } catch (const scan_failure&) {
    return std::nullopt;
  }
  return found;
}

std::vector<std::string_view> element_texts(std::string_view body, std::string_view list_key) {
  std::string_view list = body;
  if (!list_key.empty()) {
    auto member = member_text(body, list_key);
    if (!member) return {};
    list = *member;
  }
  std::vector<std::string_view> out;
  try {
    std::size_t i = skip_space(list, 0);
    if (i == list.size() || list[i] != '[') return {};
    i = skip_space(list, i + 1);
    while (i < list.size() && list[i] != ']') {
      const std::size_t end = skip_value(list, i);
      out.push_back(list.substr(i, end - i));
      i = skip_space(list, end);
      if (i < list.size() && list[i] == ',') i = skip_space(list, i + 1);
    }
  } catch (const scan_failure&) {
    return {};
  }
  return out;
}

std::string json_text(const boost::json::value& value, std::string_view original,
                      json_text_problems& problems) {
  try {
    if (!original.empty() && needs_original(original)) return jsonb_storable(original, problems);
  } catch (const scan_failure&) {
    // Not the text of this value after all: the tree is the safer source.
  }
  return jsonb_storable(boost::json::serialize(value), problems);
}

}  // namespace sluice::connectors
