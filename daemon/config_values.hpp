#pragma once
// Reading one value of the configuration file. Each reader returns the value in the form it lands
// in, or throws sluice::error(error_kind::config) whose message starts with
// `FILE:LINE:COLUMN: KEY.PATH: `. A value that may be a secret (a credential, a URL with userinfo)
// is never quoted in a message; only its type or what is wrong with it is named.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "core/rate.hpp"
#include "core/source_config.hpp"
#include "core/time.hpp"

namespace sluice::connectors {
struct kind_info;
}

namespace sluice::daemon {

// A value or key shown in a message: quoted, control characters escaped, so a message always
// stays on one line.
std::string shown(std::string_view text);
bool is_bare_key(std::string_view key);
// `parent.key`, the key quoted when it is not bare (as TOML would need it).
std::string key_path(std::string_view parent, std::string_view key);
std::string lowercase(std::string_view s);

// The key/value pairs of a table in file order (toml::table is sorted by key), so the first
// problem reported is the first one in the file.
std::vector<std::pair<const toml::key*, const toml::node*>> in_file_order(const toml::table& t);

// Bounds of a duration key. min 0 admits "0"; a positive min refuses it with "must be greater
// than 0" before the bounds are checked. `why` is appended to the out-of-bounds message.
struct duration_range {
  duration min{1};
  duration max = duration::max();
  std::string_view why;
};

class value_reader {
public:
  // A relative path inside a file given without a directory stays relative: it is the same
  // file, and messages show it as written.
  explicit value_reader(std::filesystem::path file);

  const std::filesystem::path& file() const noexcept { return file_; }

  [[noreturn]] void fail(const toml::source_region& where, std::string_view path,
                         std::string_view message) const;
  [[noreturn]] void wrong_type(const toml::node& node, std::string_view path,
                               std::string_view expected) const;

  const toml::table& table_at(const toml::node& node, std::string_view path) const;
  const std::string& string_at(const toml::node& node, std::string_view path) const;
  // Relative to the configuration file's directory.
  std::filesystem::path resolve(const std::string& path) const;

  duration duration_at(const toml::node& node, std::string_view path, bool zero_allowed) const;
  duration duration_in(const toml::node& node, std::string_view path,
                       const duration_range& range) const;
  timestamp timestamp_at(const toml::node& node, std::string_view path) const;
  rate rate_at(const toml::node& node, std::string_view path) const;
  std::string zone_at(const toml::node& node, std::string_view path) const;
  std::string base_url_at(const toml::node& node, std::string_view path) const;
  std::string readable_file_at(const toml::node& node, std::string_view path) const;
  double fraction_at(const toml::node& node, std::string_view path) const;
  std::string schema_at(const toml::node& node, std::string_view path) const;
  std::string listen_at(const toml::node& node, std::string_view path) const;
  std::string text_at(const toml::node& node, std::string_view path) const;
  std::string severity_at(const toml::node& node,
                          std::string_view path) const;  // info|warning|critical
  int count_at(const toml::node& node, std::string_view path, int min, int max) const;
  std::vector<std::string> streams_at(const toml::node& node, std::string_view path,
                                      const connectors::kind_info& kind,
                                      const source_config& source) const;
  staleness_objective staleness_at(const toml::node& node, std::string_view path,
                                   const connectors::kind_info& kind,
                                   const source_config& source) const;

  // Exactly one (or, when optional, at most one) of `<key>`, `<key>_env`, `<key>_file` of
  // `table`. The value never appears in a message. An empty inline value is refused unless
  // `may_be_empty` (`proxy = ""`: no proxy).
  std::optional<std::string> secret_value(const toml::table& table, std::string_view path,
                                          const std::string& key, bool required,
                                          bool may_be_empty = false) const;

private:
  // The streams a source of `kind` has (a connector built from `source` as read so far).
  std::vector<std::string> stream_names(const toml::node& node, std::string_view path,
                                        const connectors::kind_info& kind,
                                        const source_config& source) const;
  std::string secret_from_env(const toml::node& node, const std::string& where) const;
  std::string secret_from_file(const toml::node& node, const std::string& where) const;

  std::filesystem::path file_;
  std::filesystem::path base_dir_;
};

}  // namespace sluice::daemon
