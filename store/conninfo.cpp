#include "store/conninfo.hpp"

#include <array>
#include <memory>
#include <utility>

#include <libpq-fe.h>

namespace sluice::store {
namespace {

// Dead peers are noticed within about a minute (30 s idle + 3 probes 10 s apart), and data left
// unacknowledged for a minute ends the connection; a connection attempt gives up after 10 s.
constexpr std::array<std::pair<std::string_view, std::string_view>, 6> network_defaults{{
    {"connect_timeout", "10"},
    {"keepalives", "1"},
    {"keepalives_idle", "30"},
    {"keepalives_interval", "10"},
    {"keepalives_count", "3"},
    {"tcp_user_timeout", "60000"},
}};

// key='value' with the quoting libpq's key=value syntax wants.
void append_setting(std::string& out, std::string_view key, std::string_view value) {
  if (!out.empty()) out += ' ';
  out.append(key);
  out += "='";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
}

}  // namespace

std::string tuned_conninfo(std::string_view url) {
  char* message = nullptr;
  const std::string text(url);
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(text.c_str(), &message), &PQconninfoFree);
  if (message != nullptr) PQfreemem(message);  // may quote the string: never shown
  if (!options) return text;

  std::string out;
  std::array<bool, network_defaults.size()> given{};
  for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    append_setting(out, o->keyword, o->val);
    for (std::size_t i = 0; i < network_defaults.size(); ++i)
      if (network_defaults[i].first == o->keyword) given[i] = true;
  }
  for (std::size_t i = 0; i < network_defaults.size(); ++i)
    if (!given[i]) append_setting(out, network_defaults[i].first, network_defaults[i].second);
  return out;
}

}  // namespace sluice::store
