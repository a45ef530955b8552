#pragma once
// Every key of the configuration file, declared once per section: its name, the kind of value,
// its default, whether a change applies on SIGHUP, and how it is read into (and compared in) the
// struct it lands in. The loader (config.cpp), the unknown-key errors, the reload diff
// (config_diff.cpp) and the example-file test all walk these tables, so a key added here is
// parsed, accepted, compared on reload and required in etc/sluice.example.toml at once; a key
// added anywhere else is not.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/source_config.hpp"
#include "daemon/config.hpp"
#include "daemon/config_values.hpp"
#include "store/database.hpp"

namespace sluice::connectors {
struct kind_info;
}

namespace sluice::daemon {

// What a key holds (documentation and tests; the `read` function does the checking).
enum class value_kind {
  text,         // any string
  secret,       // `<name>`, `<name>_env` or `<name>_file`; never shown in messages
  url,          // http:// or https:// prefix
  path,         // a readable regular file, relative to the configuration file
  duration,     // "15m", within `range`
  rate,         // "300/min"
  fraction,     // a number between 0 and 1
  timestamp,    // RFC 3339 text or a TOML date-time
  zone,         // IANA time zone name
  listen,       // host:port or ""
  identifier,   // SQL schema name
  kind,         // a registered connector kind
  stream_list,  // names of the kind's streams
  severity,     // info | warning | critical
  count,        // a small positive integer
  staleness,    // a duration, or a table of durations by stream name (`default`: the others)
};

enum class on_reload {
  applies,  // SIGHUP takes the new value (a source's: once its runs in flight finish)
  restart,  // only a restart takes it; SIGHUP warns
};

// When the loader reads a key relative to the others of its table.
enum class read_order {
  first,    // before every other key (kind: it decides which keys the table accepts)
  in_file,  // in file order, so the first problem reported is the first in the file
  last,     // after the secrets (streams: checking names builds a connector from the source)
};

template <class Target>
struct key_spec {
  std::string_view name;
  value_kind kind = value_kind::text;
  // The default as TOML value text (`"15m"`, `0.5`); empty when there is none or it depends on
  // the source's kind (base_url, rate_limit, lookback come from the connector registry).
  std::string_view default_value;
  on_reload reload = on_reload::applies;
  read_order order = read_order::in_file;
  duration_range range{};     // value_kind::duration only
  bool required = false;      // value_kind::secret: one of the three forms must be given
  bool may_be_empty = false;  // value_kind::secret: `key = ""` is a value (proxy: no proxy)
  // Accepted only by the kinds whose connectors::kind_info::credentials names it.
  bool credential = false;
  // Checks the value at `path` and stores it in `out` (every kind but secret).
  void (*read)(const value_reader& reader, const key_spec& spec, const toml::node& node,
               const std::string& path, Target& out) = nullptr;
  // Stores a secret's value, read from whichever form was given (value_kind::secret only).
  void (*land)(Target& out, std::string value) = nullptr;
  // Whether the value that landed is the same in both (the reload diff).
  bool (*same)(const Target& a, const Target& b) = nullptr;
};

std::span<const key_spec<store::database_options>> database_keys();
std::span<const key_spec<daemon_options>> daemon_keys();
std::span<const key_spec<alerts_options>> alerts_keys();
// The keys of a [sources.NAME] table; credential keys only for the kinds that name them.
std::span<const key_spec<source_config>> source_keys();

// Every declaration of a section, as the pointers the helpers below take.
template <class Target>
std::vector<const key_spec<Target>*> every_key(std::span<const key_spec<Target>> keys) {
  std::vector<const key_spec<Target>*> out;
  for (const auto& k : keys) out.push_back(&k);
  return out;
}

// The source keys a table of `kind` accepts, in declaration order. Throws std::logic_error when
// the registry names a credential that is not declared.
std::vector<const key_spec<source_config>*> source_keys_for(const connectors::kind_info& kind);

// The key names a table accepts (a secret as its three forms), in declaration order: the
// candidates of the unknown-key error's suggestion.
template <class Target>
std::vector<std::string> accepted_names(const std::vector<const key_spec<Target>*>& keys) {
  std::vector<std::string> names;
  for (const auto* k : keys) {
    names.emplace_back(k->name);
    if (k->kind != value_kind::secret) continue;
    names.push_back(std::string(k->name) + "_env");
    names.push_back(std::string(k->name) + "_file");
  }
  return names;
}

// The declaration `key` (a name or a secret's _env/_file form) belongs to, or nullptr.
template <class Target>
const key_spec<Target>* find_key(const std::vector<const key_spec<Target>*>& keys,
                                 std::string_view key) {
  for (const auto* k : keys) {
    if (key == k->name) return k;
    if (k->kind == value_kind::secret && key.starts_with(k->name) &&
        (key.substr(k->name.size()) == "_env" || key.substr(k->name.size()) == "_file"))
      return k;
  }
  return nullptr;
}

// Whether a key named `key`, in any section, holds a secret in its inline form: parse errors on
// such a line are reported without the text they quote.
bool is_secret_key(std::string_view key);

// The registered kinds, comma-separated (for messages).
std::string known_kinds();

}  // namespace sluice::daemon
