#include "daemon/config_values.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <utility>

#include <date/tz.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "connectors/registry.hpp"
#include "core/error.hpp"
#include "daemon/config.hpp"
#include "daemon/config_file.hpp"

namespace sluice::daemon {
namespace {

namespace fs = std::filesystem;

std::string_view type_name(toml::node_type type) {
  switch (type) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

bool is_sql_identifier(std::string_view s) {
  if (s.empty() || s.size() > 63 || (s[0] >= '0' && s[0] <= '9') || s.starts_with("pg_"))
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

timestamp from_civil(int y, unsigned m, unsigned d, std::chrono::microseconds time_of_day) {
  using namespace std::chrono;
  sys_days day{year_month_day{year{y}, month{m}, std::chrono::day{d}}};
  return timestamp{duration_cast<microseconds>(day.time_since_epoch()) + time_of_day};
}

timestamp from_toml(const toml::date_time& v) {
  using namespace std::chrono;
  auto time_of_day =
      duration_cast<microseconds>(hours{v.time.hour} + minutes{v.time.minute} +
                                  seconds{v.time.second} + nanoseconds{v.time.nanosecond});
  // A local date-time (no offset) is read as UTC, like parse_timestamp reads naive text.
  if (v.offset) time_of_day -= duration_cast<microseconds>(minutes{v.offset->minutes});
  return from_civil(v.date.year, v.date.month, v.date.day, time_of_day);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Text shown in messages

bool is_bare_key(std::string_view key) {
  if (key.empty()) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

std::string shown(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\u{:04X}", static_cast<unsigned>(c));
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
  return out;
}

std::string key_path(std::string_view parent, std::string_view key) {
  std::string k = is_bare_key(key) ? std::string(key) : shown(key);
  if (parent.empty()) return k;
  return fmt::format("{}.{}", parent, k);
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::vector<std::pair<const toml::key*, const toml::node*>> in_file_order(const toml::table& t) {
  std::vector<std::pair<const toml::key*, const toml::node*>> entries;
  for (auto&& [k, v] : t) entries.emplace_back(&k, &v);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    const auto& pa = a.first->source().begin;
    const auto& pb = b.first->source().begin;
    return std::pair{pa.line, pa.column} < std::pair{pb.line, pb.column};
  });
  return entries;
}

// ---------------------------------------------------------------------------------------------
// Errors and plain types

value_reader::value_reader(fs::path file)
    : file_(std::move(file)), base_dir_(file_.parent_path()) {}

void value_reader::fail(const toml::source_region& where, std::string_view path,
                        std::string_view message) const {
  std::string location = file_.string();
  if (where.begin.line > 0) location += fmt::format(":{}:{}", where.begin.line, where.begin.column);
  if (path.empty()) throw error(error_kind::config, fmt::format("{}: {}", location, message));
  throw error(error_kind::config, fmt::format("{}: {}: {}", location, path, message));
}

void value_reader::wrong_type(const toml::node& node, std::string_view path,
                              std::string_view expected) const {
  // Only the type is named, never the value: the value may be a secret in the wrong form.
  fail(node.source(), path, fmt::format("expected {}, got {}", expected, type_name(node.type())));
}

const toml::table& value_reader::table_at(const toml::node& node, std::string_view path) const {
  if (const auto* t = node.as_table()) return *t;
  wrong_type(node, path, "a table");
}

const std::string& value_reader::string_at(const toml::node& node, std::string_view path) const {
  if (const auto* s = node.as_string()) return s->get();
  wrong_type(node, path, "a string");
}

std::string value_reader::text_at(const toml::node& node, std::string_view path) const {
  return string_at(node, path);
}

std::string value_reader::severity_at(const toml::node& node, std::string_view path) const {
  const auto& s = string_at(node, path);
  if (s != "info" && s != "warning" && s != "critical")
    fail(node.source(), path,
         fmt::format("unknown severity {} (use info, warning or critical)", shown(s)));
  return s;
}

fs::path value_reader::resolve(const std::string& path) const {
  fs::path p(path);
  return p.is_absolute() || base_dir_.empty() ? p : base_dir_ / p;
}

// ---------------------------------------------------------------------------------------------
// Durations, times, rates, numbers

duration value_reader::duration_at(const toml::node& node, std::string_view path,
                                   bool zero_allowed) const {
  const auto* s = node.as_string();
  if (!s) wrong_type(node, path, "a duration string such as \"15m\"");
  auto d = parse_duration(s->get());
  if (!d)
    fail(node.source(), path,
         fmt::format("invalid duration {} (use 30s, 15m, 1h, 7d)", shown(s->get())));
  if (d->count() < 0 || (!zero_allowed && d->count() == 0))
    fail(node.source(), path, "must be greater than 0");
  return *d;
}

duration value_reader::duration_in(const toml::node& node, std::string_view path,
                                   const duration_range& range) const {
  const auto value = duration_at(node, path, range.min.count() == 0);
  if (value < range.min || value > range.max)
    fail(node.source(), path,
         fmt::format("must be between {} and {}{}", format_duration(range.min),
                     format_duration(range.max), range.why));
  return value;
}

timestamp value_reader::timestamp_at(const toml::node& node, std::string_view path) const {
  if (const auto* s = node.as_string()) {
    auto t = parse_timestamp(s->get());
    if (!t)
      fail(node.source(), path,
           fmt::format("invalid date-time {} (use e.g. 2015-01-01T00:00:00Z)", shown(s->get())));
    return *t;
  }
  if (const auto* dt = node.as_date_time()) return from_toml(dt->get());
  if (const auto* d = node.as_date()) {
    const auto& v = d->get();
    return from_civil(v.year, v.month, v.day, std::chrono::microseconds{0});
  }
  wrong_type(node, path, "a date-time");
}

rate value_reader::rate_at(const toml::node& node, std::string_view path) const {
  const auto& text = string_at(node, path);
  auto r = parse_rate(text);
  if (!r)
    fail(node.source(), path,
         fmt::format("invalid rate {} (use 300/min, 5/s, 1000/h)", shown(text)));
  return *r;
}

double value_reader::fraction_at(const toml::node& node, std::string_view path) const {
  double v;
  if (const auto* f = node.as_floating_point())
    v = f->get();
  else if (const auto* i = node.as_integer())
    v = static_cast<double>(i->get());
  else
    wrong_type(node, path, "a number between 0 and 1");
  if (!(v >= 0.0 && v <= 1.0)) fail(node.source(), path, "must be between 0 and 1");
  return v;
}

int value_reader::count_at(const toml::node& node, std::string_view path, int min, int max) const {
  const auto* i = node.as_integer();
  if (!i) wrong_type(node, path, "an integer");
  if (i->get() < min || i->get() > max)
    fail(node.source(), path, fmt::format("must be between {} and {}", min, max));
  return static_cast<int>(i->get());
}

// ---------------------------------------------------------------------------------------------
// Names, addresses, files

// An IANA zone name the tz database (tzdata) knows, e.g. "Europe/Paris".
std::string value_reader::zone_at(const toml::node& node, std::string_view path) const {
  std::string zone = string_at(node, path);
  try {
    (void)date::locate_zone(zone);
  } catch (const std::exception&) {
    fail(node.source(), path,
         fmt::format("unknown time zone {} (use an IANA name such as Europe/Paris or UTC)",
                     shown(zone)));
  }
  return zone;
}

std::string value_reader::schema_at(const toml::node& node, std::string_view path) const {
  const auto& schema = string_at(node, path);
  if (!is_sql_identifier(schema))
    fail(node.source(), path,
         fmt::format("invalid schema name {} (use lowercase letters, digits and '_', at most "
                     "63, not starting with a digit or pg_)",
                     shown(schema)));
  return schema;
}

std::string value_reader::listen_at(const toml::node& node, std::string_view path) const {
  const auto& listen = string_at(node, path);
  if (!listen.empty() && !parse_listen(listen))
    fail(node.source(), path,
         fmt::format("invalid address {} (use host:port, e.g. 127.0.0.1:9187 or [::1]:9187, "
                     "or \"\" to turn the server off)",
                     shown(listen)));
  return listen;
}

std::string value_reader::base_url_at(const toml::node& node, std::string_view path) const {
  // The value is not shown in these messages: a URL may carry userinfo credentials.
  std::string url = string_at(node, path);
  std::string scheme = lowercase(url.substr(0, url.find(':')));
  if (scheme != "http" && scheme != "https")
    fail(node.source(), path, "must start with http:// or https://");
  if (url.compare(scheme.size(), 3, "://") != 0)
    fail(node.source(), path, "must start with http:// or https://");
  if (std::any_of(url.begin(), url.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; }))
    fail(node.source(), path, "must not contain spaces or control characters");
  if (url.find_first_of("?#") != std::string::npos)
    fail(node.source(), path, "must not contain a query or fragment (paths are appended to it)");
  while (url.size() > scheme.size() + 3 && url.back() == '/') url.pop_back();
  auto authority = std::string_view(url).substr(scheme.size() + 3);
  authority = authority.substr(0, authority.find('/'));
  if (authority.empty()) fail(node.source(), path, "has no host");
  if (authority.find('@') != std::string_view::npos)
    fail(node.source(), path, "must not contain credentials (use the source's credential keys)");
  return url;
}

std::string value_reader::readable_file_at(const toml::node& node, std::string_view path) const {
  const auto& text = string_at(node, path);
  if (text.empty()) fail(node.source(), path, "must name a file");
  fs::path file = resolve(text);
  std::error_code ec;
  if (!fs::is_regular_file(file, ec))
    fail(node.source(), path,
         fmt::format("{} {}", file.string(),
                     fs::exists(file, ec) ? "is not a regular file" : "does not exist"));
  if (::access(file.c_str(), R_OK) != 0)
    fail(node.source(), path,
         fmt::format("cannot read {}: {}", file.string(), std::strerror(errno)));
  return file.string();
}

std::vector<std::string> value_reader::stream_names(const toml::node& node, std::string_view path,
                                                    const connectors::kind_info& kind,
                                                    const source_config& source) const {
  std::unique_ptr<connectors::connector> connector;
  try {
    connector = kind.make(source);
  } catch (const error& e) {
    fail(node.source(), path, e.what());
  }
  std::vector<std::string> known;
  for (const auto& spec : connector->streams()) known.push_back(spec.name);
  return known;
}

// One duration for every stream, or a table of them by stream name (`default` for the others).
staleness_objective value_reader::staleness_at(const toml::node& node, std::string_view path,
                                               const connectors::kind_info& kind,
                                               const source_config& source) const {
  static constexpr duration_range range{std::chrono::seconds{1}, std::chrono::days{365}, ""};
  staleness_objective out;
  if (node.is_string()) {
    out.all = duration_in(node, path, range);
    return out;
  }
  if (!node.is_table()) wrong_type(node, path, "a duration or a table of durations by stream name");
  const auto known = stream_names(node, path, kind, source);
  for (auto [key, value] : in_file_order(*node.as_table())) {
    std::string p = key_path(path, key->str());
    if (key->str() == "default") {
      out.all = duration_in(*value, p, range);
    } else if (std::find(known.begin(), known.end(), key->str()) != known.end()) {
      out.by_stream.emplace(std::string(key->str()), duration_in(*value, p, range));
    } else {
      fail(key->source(), p,
           fmt::format("unknown stream {} for kind {} (streams: {}; or default)", shown(key->str()),
                       shown(kind.kind), fmt::join(known, ", ")));
    }
  }
  return out;
}

std::vector<std::string> value_reader::streams_at(const toml::node& node, std::string_view path,
                                                  const connectors::kind_info& kind,
                                                  const source_config& source) const {
  const auto* array = node.as_array();
  if (!array) wrong_type(node, path, "an array of stream names");
  if (array->empty())
    fail(node.source(), path, "is empty (leave it out to sync every stream of the kind)");
  const auto known = stream_names(node, path, kind, source);
  std::vector<std::string> names;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const auto& element = *array->get(i);
    std::string p = fmt::format("{}[{}]", path, i);
    const auto& name = string_at(element, p);
    if (std::find(known.begin(), known.end(), name) == known.end())
      fail(element.source(), p,
           fmt::format("unknown stream {} for kind {} (streams: {})", shown(name), shown(kind.kind),
                       fmt::join(known, ", ")));
    if (std::find(names.begin(), names.end(), name) != names.end())
      fail(element.source(), p, fmt::format("stream {} is listed twice", shown(name)));
    names.push_back(name);
  }
  return names;
}

// ---------------------------------------------------------------------------------------------
// Secrets: inline, _env or _file

std::optional<std::string> value_reader::secret_value(const toml::table& table,
                                                      std::string_view path, const std::string& key,
                                                      bool required, bool may_be_empty) const {
  struct form {
    std::string key;
    const toml::node* node = nullptr;
  };
  form forms[] = {{key}, {key + "_env"}, {key + "_file"}};
  const form* given = nullptr;
  for (auto [name, node] : in_file_order(table)) {
    for (auto& f : forms) {
      if (name->str() != f.key) continue;
      f.node = node;
      if (given)
        fail(name->source(), key_path(path, f.key),
             fmt::format("{} is already given; use only one of {}, {}_env, {}_file", given->key,
                         key, key, key));
      given = &f;
    }
  }
  if (!given) {
    if (required)
      fail(table.source(), path, fmt::format("missing {} (or {}_env, {}_file)", key, key, key));
    return std::nullopt;
  }
  std::string where = key_path(path, given->key);
  if (given == &forms[1]) return secret_from_env(*given->node, where);
  if (given == &forms[2]) return secret_from_file(*given->node, where);
  const std::string& text = string_at(*given->node, where);
  if (text.empty() && !may_be_empty) fail(given->node->source(), where, "must not be empty");
  return text;
}

std::string value_reader::secret_from_env(const toml::node& node, const std::string& where) const {
  const std::string& name = string_at(node, where);
  if (name.empty()) fail(node.source(), where, "must name an environment variable");
  const char* value = std::getenv(name.c_str());
  if (!value) fail(node.source(), where, fmt::format("environment variable {} is not set", name));
  if (!*value) fail(node.source(), where, fmt::format("environment variable {} is empty", name));
  return value;
}

std::string value_reader::secret_from_file(const toml::node& node, const std::string& where) const {
  const std::string& text = string_at(node, where);
  if (text.empty()) fail(node.source(), where, "must name a file");
  fs::path file = resolve(text);
  std::string why;
  auto content = read_small_file(file, why);
  if (!content) fail(node.source(), where, fmt::format("cannot read {}: {}", file.string(), why));
  // systemd credentials and `echo secret > file` end with a newline that is not part of it.
  while (!content->empty() && (content->back() == '\n' || content->back() == '\r'))
    content->pop_back();
  if (content->empty()) fail(node.source(), where, fmt::format("{} is empty", file.string()));
  return *content;
}

}  // namespace sluice::daemon
