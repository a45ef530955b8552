#include "connectors/registry.hpp"

#include <algorithm>

#include "connectors/clevertim/clevertim.hpp"
#include "connectors/cloudapp/cloudapp.hpp"
#include "connectors/cloutly/cloutly.hpp"
#include "connectors/partoo/partoo.hpp"

namespace sluice::connectors {
namespace {

const kind_info kinds[] = {
    // Partoo's data lags the platforms by up to a day and a review may arrive dated in the past
    // (the platform's own update date): 48h of overlap covers the documented lag twice over.
    {"partoo",
     "https://api.partoo.co/v2",
     rate{300.0 / 60.0},
     std::chrono::hours{48},
     {"api_key"},
     &partoo::make_connector,
     &partoo::make_authenticator},
    // The vendor states 200/min in one place and 100/min in its section on 429: the stricter.
    {"cloutly",
     "https://app.cloutly.com/api/v1",
     rate{100.0 / 60.0},
     std::chrono::hours{1},
     {"api_key"},
     &cloutly::make_connector,
     &cloutly::make_authenticator},
    // The vendor documents no budget (and has retired the API): 120/min is a polite default.
    {"cloudapp",
     "http://my.cl.ly",
     rate{120.0 / 60.0},
     std::chrono::hours{1},
     {"username", "password"},
     &cloudapp::make_connector,
     &cloudapp::make_authenticator},
    // The vendor documents no budget either: 120/min is a polite default. A run sends one
    // request per resource, so this only paces `check` and the seven streams' starts.
    {"clevertim",
     "https://www.clevertim.com/api",
     rate{120.0 / 60.0},
     std::chrono::hours{1},
     {"api_key"},
     &clevertim::make_connector,
     &clevertim::make_authenticator},
};

}  // namespace

std::span<const kind_info> all_kinds() { return kinds; }

const kind_info* find_kind(std::string_view kind) noexcept {
  for (const auto& k : kinds)
    if (k.kind == kind) return &k;
  return nullptr;
}

std::vector<const table_def*> all_tables() {
  std::vector<const table_def*> out;
  const source_config any;  // a connector's streams do not depend on its configuration
  for (const auto& k : kinds)
    for (const auto& spec : k.make(any)->streams())
      if (std::find(out.begin(), out.end(), spec.table) == out.end()) out.push_back(spec.table);
  return out;
}

const table_def* find_table(std::string_view name) {
  for (const auto* t : all_tables())
    if (t->name == name) return t;
  return nullptr;
}

}  // namespace sluice::connectors
