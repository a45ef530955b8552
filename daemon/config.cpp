#include "daemon/config.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include <date/tz.h>
#include <fmt/format.h>
#include <toml++/toml.h>

#include "connectors/registry.hpp"
#include "daemon/config_file.hpp"
#include "core/error.hpp"
#include "core/redaction.hpp"

namespace sluice::daemon {
namespace {

namespace fs = std::filesystem;
using namespace std::string_view_literals;

// ---------------------------------------------------------------------------------------------
// Small text helpers

bool is_bare_key(std::string_view key) {
  if (key.empty()) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

// A value or key shown in a message, quoted and with control characters escaped so a message
// always stays on one line.
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

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Parse errors quote the offending text, which may be part of a secret (`api_key = abc123`
// unquoted reports "saw 'abc1'"). Their details are kept only where the line visibly assigns a
// key that holds no secret; anywhere else (a secret's line, inside a multi-line string) only the
// position and the kind of failure are reported.
bool is_secret_key(std::string_view key) {
  if (key == "url" || key == "api_key" || key == "password") return true;
  for (const auto& kind : connectors::all_kinds())
    for (auto credential : kind.credentials)
      if (key == credential) return true;
  return false;
}

bool line_may_hold_secret(std::string_view line) {
  auto first = line.find_first_not_of(" \t");
  if (first == std::string_view::npos) return false;
  line.remove_prefix(first);
  if (line.front() == '[' || line.front() == '#') return false;
  auto eq = line.find('=');
  if (eq == std::string_view::npos) return true;
  auto key = line.substr(0, eq);
  if (auto dot = key.rfind('.'); dot != std::string_view::npos) key.remove_prefix(dot + 1);
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '"' ||
                          s.front() == '\''))
      s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '"' || s.back() == '\''))
      s.remove_suffix(1);
    return s;
  };
  key = trim(key);
  return !is_bare_key(key) || is_secret_key(key);
}

std::string_view line_of(std::string_view document, std::size_t line_number) {
  std::size_t start = 0;
  for (std::size_t n = 1; n < line_number; ++n) {
    auto nl = document.find('\n', start);
    if (nl == std::string_view::npos) return {};
    start = nl + 1;
  }
  auto end = document.find('\n', start);
  return document.substr(start, end == std::string_view::npos ? end : end - start);
}

// The key/value pairs of a table in file order (toml::table is sorted by key), so the first
// problem reported is the first one in the file.
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

bool is_sql_identifier(std::string_view s) {
  if (s.empty() || s.size() > 63 || (s[0] >= '0' && s[0] <= '9') || s.starts_with("pg_"))
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool is_source_name(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// The source_config field a credential key of connectors::kind_info fills.
// Secrets are registered for redaction as soon as they are read, so that no later message (a
// config error included) can show them.
void assign_credential(source_config& source, std::string_view key, std::string value) {
  if (key == "api_key") {
    register_secret(value);
    // Clevertim sends the key as the user name of HTTP Basic (password "X"); registering the
    // whole token as well masks an echoed Authorization header in one piece.
    register_basic_credentials(value, "X");
    source.api_key = secret(std::move(value));
  } else if (key == "password") {
    register_secret(value);
    if (!source.username.empty()) register_basic_credentials(source.username, value);
    source.password = secret(std::move(value));
  }
  else if (key == "username")
    source.username = std::move(value);
  else
    throw std::logic_error("connector registry names a credential source_config has no field for");
}

timestamp from_civil(int y, unsigned m, unsigned d, std::chrono::microseconds time_of_day) {
  using namespace std::chrono;
  sys_days day{year_month_day{year{y}, month{m}, std::chrono::day{d}}};
  return timestamp{duration_cast<microseconds>(day.time_since_epoch()) + time_of_day};
}

// ---------------------------------------------------------------------------------------------
// The loader: one pass over the parsed document, failing at the first problem.

class loader {
public:
  // A relative path inside a file given without a directory stays relative: it is the same
  // file, and messages show it as written.
  explicit loader(fs::path file) : file_(std::move(file)), base_dir_(file_.parent_path()) {}

  config load() {
    const auto text = read_config_text(file_);
    check_config_depth(text, file_);
    toml::table root;
    try {
      root = toml::parse(text, file_.string());
    } catch (const toml::parse_error& e) {
      std::string description(e.description());
      if (line_may_hold_secret(line_of(text, e.source().begin.line))) {
        auto colon = description.find(':');
        description = description.substr(0, colon) + " (the text is not shown: it may be a secret)";
      }
      fail(e.source(), "", description);
    }

    config result;
    result.file = file_;
    result.database.url = std::string(default_database_url);
    for (auto [key, node] : in_file_order(root)) {
      std::string path = key_path("", key->str());
      if (key->str() == "database") {
        load_database(table_at(*node, path), path, result.database);
      } else if (key->str() == "daemon") {
        load_daemon(table_at(*node, path), path, result.daemon);
      } else if (key->str() == "sources") {
        const auto& sources = table_at(*node, path);
        for (auto [name, source] : in_file_order(sources)) {
          std::string source_path = key_path(path, name->str());
          if (!is_source_name(name->str()))
            fail(name->source(), source_path,
                 "invalid source name (use letters, digits, '_', '.' and '-')");
          result.sources.push_back(load_source(name->str(), table_at(*source, source_path),
                                               source_path));
        }
      } else {
        unknown_key(*key, path, {"database", "daemon", "sources"});
      }
    }
    if (result.daemon.instance.empty()) result.daemon.instance = default_instance();
    return result;
  }

private:
  [[noreturn]] void fail(const toml::source_region& where, std::string_view path,
                         std::string_view message) const {
    std::string location = file_.string();
    if (where.begin.line > 0) location += fmt::format(":{}:{}", where.begin.line, where.begin.column);
    if (path.empty()) throw error(error_kind::config, fmt::format("{}: {}", location, message));
    throw error(error_kind::config, fmt::format("{}: {}: {}", location, path, message));
  }

  [[noreturn]] void unknown_key(const toml::key& key, std::string_view path,
                                std::initializer_list<std::string_view> allowed) const {
    unknown_key(key, path, std::vector<std::string>(allowed.begin(), allowed.end()));
  }

  [[noreturn]] void unknown_key(const toml::key& key, std::string_view path,
                                const std::vector<std::string>& allowed) const {
    std::string_view best;
    std::size_t best_distance = 3;  // beyond two edits a suggestion is more confusing than helpful
    for (const auto& candidate : allowed) {
      auto d = edit_distance(lowercase(key.str()), candidate);
      if (d < best_distance) {
        best = candidate;
        best_distance = d;
      }
    }
    if (best.empty()) fail(key.source(), path, "unknown key");
    fail(key.source(), path, fmt::format("unknown key (did you mean {}?)", best));
  }

  [[noreturn]] void wrong_type(const toml::node& node, std::string_view path,
                               std::string_view expected) const {
    // Only the type is named, never the value: the value may be a secret in the wrong form.
    fail(node.source(), path, fmt::format("expected {}, got {}", expected, type_name(node.type())));
  }

  const toml::table& table_at(const toml::node& node, std::string_view path) const {
    if (const auto* t = node.as_table()) return *t;
    wrong_type(node, path, "a table");
  }

  const std::string& string_at(const toml::node& node, std::string_view path) const {
    if (const auto* s = node.as_string()) return s->get();
    wrong_type(node, path, "a string");
  }

  fs::path resolve(const std::string& path) const {
    fs::path p(path);
    return p.is_absolute() || base_dir_.empty() ? p : base_dir_ / p;
  }

  // Exactly one (or, when optional, at most one) of `<key>`, `<key>_env`, `<key>_file`. The value
  // never appears in a message.
  std::optional<std::string> secret_value(const toml::table& table, std::string_view path,
                                          const std::string& key, bool required) const {
    struct form {
      std::string key;
      const toml::key* name = nullptr;
      const toml::node* node = nullptr;
    };
    form forms[] = {{key}, {key + "_env"}, {key + "_file"}};
    const form* given = nullptr;
    for (auto [name, node] : in_file_order(table)) {
      for (auto& f : forms) {
        if (name->str() != f.key) continue;
        f.name = name;
        f.node = node;
        if (given)
          fail(name->source(), key_path(path, f.key),
               fmt::format("{} is already given; use only one of {}, {}_env, {}_file",
                           given->key, key, key, key));
        given = &f;
      }
    }
    if (!given) {
      if (required)
        fail(table.source(), path,
             fmt::format("missing {} (or {}_env, {}_file)", key, key, key));
      return std::nullopt;
    }
    std::string where = key_path(path, given->key);
    const std::string& text = string_at(*given->node, where);
    if (given == &forms[0]) {
      if (text.empty()) fail(given->node->source(), where, "must not be empty");
      return text;
    }
    if (given == &forms[1]) {
      if (text.empty()) fail(given->node->source(), where, "must name an environment variable");
      const char* value = std::getenv(text.c_str());
      if (!value) fail(given->node->source(), where,
                       fmt::format("environment variable {} is not set", text));
      if (!*value) fail(given->node->source(), where,
                        fmt::format("environment variable {} is empty", text));
      return std::string(value);
    }
    if (text.empty()) fail(given->node->source(), where, "must name a file");
    fs::path file = resolve(text);
    std::string why;
    auto content = read_small_file(file, why);
    if (!content)
      fail(given->node->source(), where, fmt::format("cannot read {}: {}", file.string(), why));
    // systemd credentials and `echo secret > file` end with a newline that is not part of it.
    while (!content->empty() && (content->back() == '\n' || content->back() == '\r'))
      content->pop_back();
    if (content->empty()) fail(given->node->source(), where, fmt::format("{} is empty", file.string()));
    return content;
  }

  void load_database(const toml::table& table, const std::string& path,
                     store::database_options& out) const {
    for (auto [key, node] : in_file_order(table)) {
      const auto& k = key->str();
      std::string p = key_path(path, k);
      if (k == "schema") {
        const auto& schema = string_at(*node, p);
        if (!is_sql_identifier(schema))
          fail(node->source(), p,
               fmt::format("invalid schema name {} (use lowercase letters, digits and '_', at most "
                           "63, not starting with a digit or pg_)",
                           shown(schema)));
        out.schema = schema;
      } else if (k == "lock_timeout") {
        out.lock_timeout = bounded_milliseconds(*node, p, std::chrono::milliseconds{100},
                                                std::chrono::minutes{10});
      } else if (k == "statement_timeout") {
        out.statement_timeout = bounded_milliseconds(*node, p, std::chrono::seconds{1},
                                                     std::chrono::hours{24});
      } else if (k == "reconnect_for") {
        out.reconnect_for = bounded_milliseconds(*node, p, std::chrono::milliseconds{0},
                                                 std::chrono::hours{1});
      } else if (k != "url" && k != "url_env" && k != "url_file") {
        unknown_key(*key, p, {"url", "url_env", "url_file", "schema", "lock_timeout",
                              "statement_timeout", "reconnect_for"});
      }
    }
    if (auto url = secret_value(table, path, "url", false)) {
      register_database_url(*url);
      out.url = std::move(*url);
    }
  }

  void load_daemon(const toml::table& table, const std::string& path, daemon_options& out) const {
    for (auto [key, node] : in_file_order(table)) {
      const auto& k = key->str();
      std::string p = key_path(path, k);
      if (k == "listen") {
        const auto& listen = string_at(*node, p);
        if (!listen.empty() && !parse_listen(listen))
          fail(node->source(), p,
               fmt::format("invalid address {} (use host:port, e.g. 127.0.0.1:9187 or [::1]:9187, "
                           "or \"\" to turn the server off)",
                           shown(listen)));
        out.listen = listen;
      } else if (k == "instance") {
        out.instance = string_at(*node, p);
      } else if (k == "lease_ttl") {
        auto ttl = duration_at(*node, p, false);
        if (ttl < std::chrono::seconds{3} || ttl > std::chrono::hours{1})
          fail(node->source(), p, "must be between 3s and 1h (leases are renewed every ttl/6)");
        out.lease_ttl = std::chrono::duration_cast<std::chrono::seconds>(ttl);
      } else {
        unknown_key(*key, p, {"listen", "instance", "lease_ttl"});
      }
    }
  }

  std::chrono::milliseconds bounded_milliseconds(const toml::node& node, std::string_view path,
                                                 std::chrono::milliseconds low,
                                                 std::chrono::milliseconds high) const {
    const auto value = duration_at(node, path, low.count() == 0);
    if (value < low || value > high)
      fail(node.source(), path,
           fmt::format("must be between {} and {}", format_duration(low), format_duration(high)));
    return std::chrono::duration_cast<std::chrono::milliseconds>(value);
  }

  duration duration_at(const toml::node& node, std::string_view path, bool zero_allowed) const {
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

  timestamp timestamp_at(const toml::node& node, std::string_view path) const {
    if (const auto* s = node.as_string()) {
      auto t = parse_timestamp(s->get());
      if (!t)
        fail(node.source(), path,
             fmt::format("invalid date-time {} (use e.g. 2015-01-01T00:00:00Z)", shown(s->get())));
      return *t;
    }
    if (const auto* dt = node.as_date_time()) {
      const auto& v = dt->get();
      using namespace std::chrono;
      auto time_of_day = duration_cast<microseconds>(hours{v.time.hour} + minutes{v.time.minute} +
                                                     seconds{v.time.second} +
                                                     nanoseconds{v.time.nanosecond});
      // A local date-time (no offset) is read as UTC, like parse_timestamp reads naive text.
      if (v.offset) time_of_day -= duration_cast<microseconds>(minutes{v.offset->minutes});
      return from_civil(v.date.year, v.date.month, v.date.day, time_of_day);
    }
    if (const auto* d = node.as_date()) {
      const auto& v = d->get();
      return from_civil(v.year, v.month, v.day, std::chrono::microseconds{0});
    }
    wrong_type(node, path, "a date-time");
  }

  std::vector<std::string> allowed_source_keys(const connectors::kind_info& kind) const {
    std::vector<std::string> keys = {"kind",       "base_url",   "rate_limit",
                                     "interval",   "lookback",   "full_refresh_interval",
                                     "start_date", "streams",    "ca_file",
                                     "timeout",    "max_delete_fraction",
                                     "verify_interval", "timezone"};
    for (auto credential : kind.credentials) {
      keys.emplace_back(credential);
      keys.push_back(std::string(credential) + "_env");
      keys.push_back(std::string(credential) + "_file");
    }
    return keys;
  }

  std::string known_kinds() const {
    std::string names;
    for (const auto& k : connectors::all_kinds()) {
      if (!names.empty()) names += ", ";
      names += k.kind;
    }
    return names;
  }

  source_config load_source(std::string_view name, const toml::table& table,
                            const std::string& path) const {
    source_config source;
    source.name = std::string(name);

    const toml::node* kind_node = table.get("kind");
    if (!kind_node) fail(table.source(), path, fmt::format("missing kind (one of: {})", known_kinds()));
    std::string kind_path = key_path(path, "kind");
    source.kind = string_at(*kind_node, kind_path);
    const auto* kind = connectors::find_kind(source.kind);
    if (!kind)
      fail(kind_node->source(), kind_path,
           fmt::format("unknown kind {} (known: {})", shown(source.kind), known_kinds()));

    source.base_url = std::string(kind->default_base_url);
    source.rate_limit = kind->default_rate;
    source.lookback = kind->default_lookback;

    auto allowed = allowed_source_keys(*kind);
    const toml::node* streams_node = nullptr;
    std::string streams_path;
    for (auto [key, node] : in_file_order(table)) {
      const auto& k = key->str();
      std::string p = key_path(path, k);
      if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) unknown_key(*key, p, allowed);
      if (k == "base_url") {
        source.base_url = base_url_at(*node, p);
      } else if (k == "rate_limit") {
        const auto& text = string_at(*node, p);
        auto r = parse_rate(text);
        if (!r)
          fail(node->source(), p,
               fmt::format("invalid rate {} (use 300/min, 5/s, 1000/h)", shown(text)));
        source.rate_limit = *r;
      } else if (k == "interval") {
        source.interval = duration_at(*node, p, false);
      } else if (k == "lookback") {
        source.lookback = duration_at(*node, p, true);
      } else if (k == "full_refresh_interval") {
        source.full_refresh_interval = duration_at(*node, p, false);
      } else if (k == "verify_interval") {
        source.verify_interval = duration_at(*node, p, true);
      } else if (k == "timezone") {
        source.timezone = timezone_at(*node, p);
      } else if (k == "timeout") {
        source.timeout = duration_at(*node, p, false);
      } else if (k == "start_date") {
        source.start_date = timestamp_at(*node, p);
      } else if (k == "streams") {
        streams_node = node;
        streams_path = p;
      } else if (k == "ca_file") {
        const auto& text = string_at(*node, p);
        if (text.empty()) fail(node->source(), p, "must name a file");
        fs::path file = resolve(text);
        std::error_code ec;
        if (!fs::is_regular_file(file, ec))
          fail(node->source(), p,
               fmt::format("{} {}", file.string(),
                           fs::exists(file, ec) ? "is not a regular file" : "does not exist"));
        if (::access(file.c_str(), R_OK) != 0)
          fail(node->source(), p, fmt::format("cannot read {}: {}", file.string(), std::strerror(errno)));
        source.ca_file = file.string();
      } else if (k == "max_delete_fraction") {
        double v;
        if (const auto* f = node->as_floating_point())
          v = f->get();
        else if (const auto* i = node->as_integer())
          v = static_cast<double>(i->get());
        else
          wrong_type(*node, p, "a number between 0 and 1");
        if (!(v >= 0.0 && v <= 1.0)) fail(node->source(), p, "must be between 0 and 1");
        source.max_delete_fraction = v;
      }
      // kind was read above; credential keys are read below, together with their other forms.
    }
    for (auto credential : kind->credentials) {
      std::string key(credential);
      assign_credential(source, key, *secret_value(table, path, key, true));
    }
    if (streams_node) source.streams = streams_at(*streams_node, streams_path, *kind, source);
    return source;
  }

  // An IANA zone name the tz database (tzdata) knows, e.g. "Europe/Paris".
  std::string timezone_at(const toml::node& node, std::string_view path) const {
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

  std::string base_url_at(const toml::node& node, std::string_view path) const {
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
    auto authority_start = scheme.size() + 3;
    auto authority = std::string_view(url).substr(authority_start);
    authority = authority.substr(0, authority.find('/'));
    if (authority.empty()) fail(node.source(), path, "has no host");
    if (authority.find('@') != std::string_view::npos)
      fail(node.source(), path, "must not contain credentials (use the source's credential keys)");
    return url;
  }

  std::vector<std::string> streams_at(const toml::node& node, const std::string& path,
                                      const connectors::kind_info& kind,
                                      const source_config& source) const {
    const auto* array = node.as_array();
    if (!array) wrong_type(node, path, "an array of stream names");
    if (array->empty())
      fail(node.source(), path, "is empty (leave it out to sync every stream of the kind)");
    std::vector<std::string> known;
    std::vector<std::string> names;
    std::unique_ptr<connectors::connector> connector;
    try {
      connector = kind.make(source);
    } catch (const error& e) {
      fail(node.source(), path, e.what());
    }
    for (const auto& spec : connector->streams()) known.push_back(spec.name);
    for (std::size_t i = 0; i < array->size(); ++i) {
      const auto& element = *array->get(i);
      std::string p = fmt::format("{}[{}]", path, i);
      const auto& name = string_at(element, p);
      if (std::find(known.begin(), known.end(), name) == known.end())
        fail(element.source(), p,
             fmt::format("unknown stream {} for kind {} (streams: {})", shown(name),
                         shown(kind.kind), fmt::join(known, ", ")));
      if (std::find(names.begin(), names.end(), name) != names.end())
        fail(element.source(), p, fmt::format("stream {} is listed twice", shown(name)));
      names.push_back(name);
    }
    return names;
  }

  static std::string default_instance() { return fmt::format("{}:{}", host_name(), ::getpid()); }

  fs::path file_;
  fs::path base_dir_;
};

}  // namespace

const source_config* find_source(const config& cfg, std::string_view name) {
  for (const auto& s : cfg.sources)
    if (s.name == name) return &s;
  return nullptr;
}

std::string host_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || !*host) std::strcpy(host, "localhost");
  return host;
}

config load_config(const std::filesystem::path& file) { return loader(file).load(); }

std::filesystem::path resolve_config_path(std::optional<std::string> cli_value) {
  if (cli_value && !cli_value->empty()) return *cli_value;
  if (const char* env = std::getenv("SLUICE_CONFIG"); env && *env) return env;
  return std::filesystem::path(default_config_path);
}

std::optional<listen_endpoint> parse_listen(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos || text.substr(close + 1, 1) != ":") return std::nullopt;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    if (host.empty() || !std::all_of(host.begin(), host.end(), [](char c) {
          return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
                 c == ':' || c == '.';
        }))
      return std::nullopt;
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    // An IPv6 address needs brackets, or its last group would be read as the port.
    if (host.empty() || !std::all_of(host.begin(), host.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '-' || c == '_';
        }))
      return std::nullopt;
  }
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  unsigned long n = std::strtoul(std::string(port).c_str(), nullptr, 10);
  // Port 0 asks the kernel for a free port (tests; the log line says which one it got).
  if (n > 65535) return std::nullopt;
  return listen_endpoint{std::string(host), static_cast<std::uint16_t>(n)};
}

}  // namespace sluice::daemon
