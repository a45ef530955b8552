#include "daemon/config_keys.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include <fmt/format.h>

#include "connectors/registry.hpp"
#include "core/error.hpp"
#include "core/redaction.hpp"
#include "net/proxy_url.hpp"

namespace sluice::daemon {
namespace {

using namespace std::chrono_literals;

// Pointer-to-member plumbing: `M` is where a key lands; its class is the section's struct.
template <class M>
struct member;
template <class T, class V>
struct member<V T::*> {
  using owner = T;
  using value = V;
};
template <auto M>
using owner_of = typename member<decltype(M)>::owner;
template <auto M>
using value_of = typename member<decltype(M)>::value;
template <auto M>
using spec_of = key_spec<owner_of<M>>;

// What the reload diff compares: a secret by its value, a rate by its figure.
const std::string& comparable(const secret& s) { return s.reveal(); }
std::optional<std::string> comparable(const std::optional<secret>& s) {
  return s ? std::optional<std::string>(s->reveal()) : std::nullopt;
}
double comparable(const rate& r) { return r.per_second; }
template <class V>
const V& comparable(const V& v) {
  return v;
}

template <auto M>
bool same_value(const owner_of<M>& a, const owner_of<M>& b) {
  return comparable(a.*M) == comparable(b.*M);
}

// Reads with one of value_reader's `X name_at(node, path)` readers.
template <auto M, auto Reader>
void read_with(const value_reader& reader, const spec_of<M>&, const toml::node& node,
               const std::string& path, owner_of<M>& out) {
  out.*M = (reader.*Reader)(node, path);
}

template <auto M>
void read_duration(const value_reader& reader, const spec_of<M>& spec, const toml::node& node,
                   const std::string& path, owner_of<M>& out) {
  out.*M = std::chrono::duration_cast<value_of<M>>(reader.duration_in(node, path, spec.range));
}

// What every declaration has: where it lands (M), so the reload diff compares that member.
template <auto M>
spec_of<M> landing_in(std::string_view name, value_kind kind, std::string_view default_value,
                      on_reload reload) {
  spec_of<M> k;
  k.name = name;
  k.kind = kind;
  k.default_value = default_value;
  k.reload = reload;
  k.same = &same_value<M>;
  return k;
}

template <auto M, auto Reader>
spec_of<M> plain(std::string_view name, value_kind kind, std::string_view default_value,
                 on_reload reload) {
  auto k = landing_in<M>(name, kind, default_value, reload);
  k.read = &read_with<M, Reader>;
  return k;
}

template <auto M>
spec_of<M> duration_key(std::string_view name, std::string_view default_value, on_reload reload,
                        duration_range range) {
  auto k = landing_in<M>(name, value_kind::duration, default_value, reload);
  k.range = range;
  k.read = &read_duration<M>;
  return k;
}

// A key whose reading needs more than one value_reader call.
template <auto M>
spec_of<M> custom(std::string_view name, value_kind kind, on_reload reload, read_order order,
                  decltype(spec_of<M>::read) read) {
  auto k = landing_in<M>(name, kind, "", reload);
  k.order = order;
  k.read = read;
  return k;
}

template <auto M>
spec_of<M> secret_key(std::string_view name, bool required, bool credential, on_reload reload,
                      void (*land)(owner_of<M>&, std::string)) {
  auto k = landing_in<M>(name, value_kind::secret, "", reload);
  k.required = required;
  k.credential = credential;
  k.land = land;
  return k;
}

constexpr duration_range positive{};
constexpr duration_range zero_or_more{duration{0}, duration::max(), ""};

// -- how some keys land ------------------------------------------------------------------------
// Secrets are registered for redaction as soon as they are read, so that no later message (a
// config error included) can show them.

void land_database_url(store::database_options& out, std::string url) {
  register_database_url(url);
  out.url = std::move(url);
}

void land_api_key(source_config& out, std::string value) {
  register_secret(value);
  // Clevertim sends the key as the user name of HTTP Basic (password "X"); registering the
  // whole token as well masks an echoed Authorization header in one piece.
  register_basic_credentials(value, "X");
  out.api_key = secret(std::move(value));
}

// A webhook URL usually carries its token in the path (Slack, Mattermost): the whole URL is a
// secret.
void land_webhook_url(alerts_options& out, std::string value) {
  register_secret(value);
  out.webhook_url = secret(std::move(value));
}

void read_failing_runs(const value_reader& reader, const key_spec<alerts_options>&,
                       const toml::node& node, const std::string& path, alerts_options& out) {
  out.failing_runs = reader.count_at(node, path, 1, 1000);
}

void land_username(source_config& out, std::string value) { out.username = std::move(value); }

// A proxy URL may carry a password; "" (no proxy) is a value too. A URL that does not parse is
// masked whole (the loader then refuses it without quoting it).
void land_proxy(source_config& out, std::string value) {
  if (!value.empty()) {
    try {
      net::register_proxy_credentials(net::parse_proxy_url(value));
    } catch (const error&) {
      register_secret(value);
    }
  }
  out.proxy = secret(std::move(value));
}

// Read after username (declared before it), so the Basic token of the pair is masked too.
void land_password(source_config& out, std::string value) {
  register_secret(value);
  if (!out.username.empty()) register_basic_credentials(out.username, value);
  out.password = secret(std::move(value));
}

// The default instance name, "<hostname>:<pid>", is computed afresh by every load: a name with a
// ':' in the new configuration is taken for that default (the host may have been renamed since),
// not for a change the operator made, so it asks for no restart.
bool same_instance(const daemon_options& a, const daemon_options& b) {
  return a.instance == b.instance || b.instance.find(':') != std::string::npos;
}

// The kind decides which keys the table accepts and the defaults of base_url, rate_limit and
// lookback, which the keys read after it may override.
void read_kind(const value_reader& reader, const key_spec<source_config>&, const toml::node& node,
               const std::string& path, source_config& out) {
  out.kind = reader.string_at(node, path);
  const auto* kind = connectors::find_kind(out.kind);
  if (!kind)
    reader.fail(node.source(), path,
                fmt::format("unknown kind {} (known: {})", shown(out.kind), known_kinds()));
  out.base_url = std::string(kind->default_base_url);
  out.rate_limit = kind->default_rate;
  out.lookback = kind->default_lookback;
}

// Stream names are checked against a connector built from the source read so far.
void read_streams(const value_reader& reader, const key_spec<source_config>&,
                  const toml::node& node, const std::string& path, source_config& out) {
  out.streams = reader.streams_at(node, path, *connectors::find_kind(out.kind), out);
}

void read_staleness(const value_reader& reader, const key_spec<source_config>&,
                    const toml::node& node, const std::string& path, source_config& out) {
  out.max_staleness = reader.staleness_at(node, path, *connectors::find_kind(out.kind), out);
}

}  // namespace

// -- the tables --------------------------------------------------------------------------------
// Declaration order is the order of the unknown-key error's candidates and of the secrets' reading.

std::span<const key_spec<store::database_options>> database_keys() {
  using o = store::database_options;
  constexpr auto restart = on_reload::restart;
  static const key_spec<o> keys[] = {
      secret_key<&o::url>("url", false, false, restart, &land_database_url),
      plain<&o::schema, &value_reader::schema_at>("schema", value_kind::identifier, "\"sluice\"",
                                                  restart),
      duration_key<&o::lock_timeout>("lock_timeout", "\"5s\"", restart, {100ms, 10min, ""}),
      duration_key<&o::statement_timeout>("statement_timeout", "\"5m\"", restart, {1s, 24h, ""}),
      duration_key<&o::reconnect_for>("reconnect_for", "\"60s\"", restart, {0ms, 1h, ""}),
  };
  return keys;
}

std::span<const key_spec<daemon_options>> daemon_keys() {
  using o = daemon_options;
  constexpr auto restart = on_reload::restart;
  static const key_spec<o> keys[] = {
      plain<&o::listen, &value_reader::listen_at>("listen", value_kind::listen,
                                                  "\"127.0.0.1:9187\"", restart),
      [] {
        auto k = plain<&o::instance, &value_reader::text_at>("instance", value_kind::text, "\"\"",
                                                             restart);
        k.same = &same_instance;
        return k;
      }(),
      duration_key<&o::lease_ttl>("lease_ttl", "\"30s\"", restart,
                                  {3s, 1h, " (leases are renewed every ttl/6)"}),
  };
  return keys;
}

std::span<const key_spec<alerts_options>> alerts_keys() {
  using o = alerts_options;
  constexpr auto restart = on_reload::restart;
  static const key_spec<o> keys[] = {
      secret_key<&o::webhook_url>("webhook_url", false, false, restart, &land_webhook_url),
      plain<&o::min_severity, &value_reader::severity_at>("min_severity", value_kind::severity,
                                                          "\"warning\"", restart),
      [] {
        auto k = custom<&o::failing_runs>("failing_runs", value_kind::count, restart,
                                          read_order::in_file, &read_failing_runs);
        k.default_value = "3";
        return k;
      }(),
  };
  return keys;
}

std::span<const key_spec<source_config>> source_keys() {
  using o = source_config;
  using r = value_reader;
  constexpr auto applies = on_reload::applies;
  static const key_spec<o> keys[] = {
      custom<&o::kind>("kind", value_kind::kind, applies, read_order::first, &read_kind),
      plain<&o::base_url, &r::base_url_at>("base_url", value_kind::url, "", applies),
      plain<&o::rate_limit, &r::rate_at>("rate_limit", value_kind::rate, "", applies),
      duration_key<&o::interval>("interval", "\"15m\"", applies, positive),
      duration_key<&o::lookback>("lookback", "", applies, zero_or_more),
      duration_key<&o::full_refresh_interval>("full_refresh_interval", "\"24h\"", applies,
                                              positive),
      plain<&o::start_date, &r::timestamp_at>("start_date", value_kind::timestamp, "", applies),
      custom<&o::streams>("streams", value_kind::stream_list, applies, read_order::last,
                          &read_streams),
      plain<&o::ca_file, &r::readable_file_at>("ca_file", value_kind::path, "", applies),
      duration_key<&o::timeout>("timeout", "\"60s\"", applies, positive),
      plain<&o::max_delete_fraction, &r::fraction_at>("max_delete_fraction", value_kind::fraction,
                                                      "0.5", applies),
      duration_key<&o::verify_interval>("verify_interval", "\"6h\"", applies, zero_or_more),
      plain<&o::timezone, &r::zone_at>("timezone", value_kind::zone, "\"UTC\"", applies),
      custom<&o::max_staleness>("max_staleness", value_kind::staleness, applies, read_order::last,
                                &read_staleness),
      [] {
        auto k = secret_key<&o::proxy>("proxy", false, false, applies, &land_proxy);
        k.may_be_empty = true;
        return k;
      }(),
      secret_key<&o::api_key>("api_key", true, true, applies, &land_api_key),
      secret_key<&o::username>("username", true, true, applies, &land_username),
      secret_key<&o::password>("password", true, true, applies, &land_password),
  };
  return keys;
}

std::vector<const key_spec<source_config>*> source_keys_for(const connectors::kind_info& kind) {
  auto keys = source_keys();
  auto named = [&kind](std::string_view name) {
    return std::find(kind.credentials.begin(), kind.credentials.end(), name) !=
           kind.credentials.end();
  };
  for (auto credential : kind.credentials)
    if (std::none_of(keys.begin(), keys.end(),
                     [credential](const auto& k) { return k.credential && k.name == credential; }))
      throw std::logic_error(
          "connector registry names a credential source_config has no field for");
  std::vector<const key_spec<source_config>*> out;
  for (const auto& k : keys)
    if (!k.credential || named(k.name)) out.push_back(&k);
  return out;
}

std::string known_kinds() {
  std::string names;
  for (const auto& k : connectors::all_kinds()) {
    if (!names.empty()) names += ", ";
    names += k.kind;
  }
  return names;
}

bool is_secret_key(std::string_view key) {
  auto secret_in = [key](auto keys) {
    return std::any_of(keys.begin(), keys.end(), [key](const auto& k) {
      return k.kind == value_kind::secret && k.name == key;
    });
  };
  return secret_in(database_keys()) || secret_in(daemon_keys()) || secret_in(alerts_keys()) ||
         secret_in(source_keys());
}

}  // namespace sluice::daemon
