#pragma once
// The connector kinds sluice knows, with their defaults. Adding a source kind means adding one
// entry in registry.cpp (docs/adding-a-connector.md).
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "connectors/connector.hpp"
#include "core/rate.hpp"
#include "core/time.hpp"

namespace sluice::connectors {

struct kind_info {
  std::string_view kind;              // "partoo"
  std::string_view default_base_url;  // "https://api.partoo.co/v2"
  rate default_rate;                  // the vendor's documented budget
  duration default_lookback;          // overlap re-read below the cursor
  // Credential keys a [sources.X] table of this kind accepts (each also as <key>_env/<key>_file):
  // "api_key" or "username"/"password". The first listed are required.
  std::vector<std::string_view> credentials;
  std::unique_ptr<connector> (*make)(const source_config&);
  std::shared_ptr<net::authenticator> (*make_authenticator)(const source_config&);
};

std::span<const kind_info> all_kinds();
const kind_info* find_kind(std::string_view kind) noexcept;

// Every data table some connector writes, each once, in registry order. The schema test checks
// them against the migrated database.
std::vector<const table_def*> all_tables();
const table_def* find_table(std::string_view name);

}  // namespace sluice::connectors
