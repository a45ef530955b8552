#include "daemon/config.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <tuple>
#include <utility>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "connectors/registry.hpp"
#include "core/error.hpp"
#include "daemon/config_file.hpp"
#include "daemon/config_keys.hpp"
#include "daemon/config_values.hpp"
#include "net/proxy_url.hpp"

namespace sluice::daemon {
namespace {

namespace fs = std::filesystem;

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
    while (!s.empty() &&
           (s.front() == ' ' || s.front() == '\t' || s.front() == '"' || s.front() == '\''))
      s.remove_prefix(1);
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\t' || s.back() == '"' || s.back() == '\''))
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

bool is_source_name(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

// ---------------------------------------------------------------------------------------------
// The loader: one pass over the parsed document, failing at the first problem. What each key
// accepts and where it lands is declared in daemon/config_keys; this walks those declarations.

class loader {
public:
  explicit loader(fs::path file) : reader_(std::move(file)) {}

  config load() {
    const auto& file = reader_.file();
    const auto text = read_config_text(file);
    check_config_depth(text, file);
    toml::table root;
    try {
      root = toml::parse(text, file.string());
    } catch (const toml::parse_error& e) {
      std::string description(e.description());
      if (line_may_hold_secret(line_of(text, e.source().begin.line))) {
        auto colon = description.find(':');
        description = description.substr(0, colon) + " (the text is not shown: it may be a secret)";
      }
      reader_.fail(e.source(), "", description);
    }

    config result;
    result.file = file;
    result.database.url = std::string(default_database_url);
    for (auto [key, node] : in_file_order(root)) {
      std::string path = key_path("", key->str());
      if (key->str() == "database") {
        read_keys(reader_.table_at(*node, path), path, every_key(database_keys()), result.database);
      } else if (key->str() == "daemon") {
        read_keys(reader_.table_at(*node, path), path, every_key(daemon_keys()), result.daemon);
      } else if (key->str() == "alerts") {
        load_alerts(reader_.table_at(*node, path), path, result.alerts);
      } else if (key->str() == "sources") {
        load_sources(reader_.table_at(*node, path), path, result.sources);
      } else {
        unknown_key(*key, path, {"database", "daemon", "alerts", "sources"});
      }
    }
    if (result.daemon.instance.empty()) result.daemon.instance = default_instance();
    return result;
  }

private:
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
    if (best.empty()) reader_.fail(key.source(), path, "unknown key");
    reader_.fail(key.source(), path, fmt::format("unknown key (did you mean {}?)", best));
  }

  // Reads the keys of one table into `out`: the key declared `first` must already be read by
  // the caller; then the others in file order (an undeclared one is an error), then the
  // secrets in declaration order, then the keys declared `last`.
  template <class Target>
  void read_keys(const toml::table& table, const std::string& path,
                 const std::vector<const key_spec<Target>*>& keys, Target& out) const {
    const auto allowed = accepted_names(keys);
    std::vector<std::tuple<const key_spec<Target>*, const toml::node*, std::string>> last;
    for (auto [key, node] : in_file_order(table)) {
      std::string p = key_path(path, key->str());
      const auto* spec = find_key(keys, key->str());
      if (!spec) unknown_key(*key, p, allowed);
      if (spec->kind == value_kind::secret || spec->order == read_order::first) continue;
      if (spec->order == read_order::last)
        last.emplace_back(spec, node, std::move(p));
      else
        spec->read(reader_, *spec, *node, p, out);
    }
    for (const auto* spec : keys) {
      if (spec->kind != value_kind::secret) continue;
      if (auto value = reader_.secret_value(table, path, std::string(spec->name), spec->required,
                                            spec->may_be_empty))
        spec->land(out, std::move(*value));
    }
    for (const auto& [spec, node, p] : last) spec->read(reader_, *spec, *node, p, out);
  }

  void load_alerts(const toml::table& table, const std::string& path, alerts_options& out) const {
    read_keys(table, path, every_key(alerts_keys()), out);
    const auto& url = out.webhook_url.reveal();
    // The URL is a secret: the message says what is wrong, never what was given.
    if (!url.empty() && !url.starts_with("http://") && !url.starts_with("https://"))
      reader_.fail(table.source(), key_path(path, "webhook_url"),
                   "must start with http:// or https:// (the value is not shown: it is a secret)");
  }

  void load_sources(const toml::table& sources, const std::string& path,
                    std::vector<source_config>& out) const {
    for (auto [name, source] : in_file_order(sources)) {
      std::string source_path = key_path(path, name->str());
      if (!is_source_name(name->str()))
        reader_.fail(name->source(), source_path,
                     "invalid source name (use letters, digits, '_', '.' and '-')");
      out.push_back(load_source(name->str(), reader_.table_at(*source, source_path), source_path));
    }
  }

  // The kind is read first: it decides which credential keys the table accepts and the defaults
  // the other keys override.
  source_config load_source(std::string_view name, const toml::table& table,
                            const std::string& path) const {
    source_config source;
    source.name = std::string(name);
    const auto* kind_spec = find_key(every_key(source_keys()), "kind");
    const toml::node* kind_node = table.get(kind_spec->name);
    if (!kind_node)
      reader_.fail(table.source(), path, fmt::format("missing kind (one of: {})", known_kinds()));
    kind_spec->read(reader_, *kind_spec, *kind_node, key_path(path, kind_spec->name), source);
    read_keys(table, path, source_keys_for(*connectors::find_kind(source.kind)), source);
    check_proxy(table, path, source);
    return source;
  }

  // The proxy URL is a secret: the message says what is wrong, never what was given.
  void check_proxy(const toml::table& table, const std::string& path,
                   const source_config& source) const {
    if (!source.proxy || source.proxy->empty()) return;
    try {
      net::parse_proxy_url(source.proxy->reveal());
    } catch (const error& e) {
      reader_.fail(table.source(), key_path(path, "proxy"),
                   std::string(e.what()) + " (the value is not shown: it is a secret)");
    }
  }

  static std::string default_instance() { return fmt::format("{}:{}", host_name(), ::getpid()); }

  value_reader reader_;
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
