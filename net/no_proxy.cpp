#include "net/no_proxy.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

#include <boost/asio/ip/address.hpp>

namespace sluice::net {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

// The address's bytes, or nullopt when `text` is no IP address.
std::optional<std::string> address_bytes(std::string_view text) {
  boost::system::error_code ec;
  const auto a = boost::asio::ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  if (a.is_v4()) {
    const auto b = a.to_v4().to_bytes();
    return std::string(b.begin(), b.end());
  }
  const auto b = a.to_v6().to_bytes();
  return std::string(b.begin(), b.end());
}

// The entry without a port: `[v6]:p` and `[v6]` lose their brackets, `name:p` and `v4:p` their
// port; a bare IPv6 address (several colons) is left whole.
std::string_view without_port(std::string_view entry) {
  if (entry.starts_with('[')) {
    const auto close = entry.find(']');
    return close == std::string_view::npos ? std::string_view{} : entry.substr(1, close - 1);
  }
  const auto colon = entry.find(':');
  if (colon != std::string_view::npos && entry.find(':', colon + 1) == std::string_view::npos)
    return entry.substr(0, colon);
  return entry;
}

std::string_view trim_dots(std::string_view s) {
  while (s.starts_with('.')) s.remove_prefix(1);
  while (s.ends_with('.')) s.remove_suffix(1);
  return s;
}

bool prefix_matches(const std::string& address, const std::string& network, unsigned bits) {
  if (address.size() != network.size() || bits > address.size() * 8) return false;
  const std::size_t whole = bits / 8;
  if (address.compare(0, whole, network, 0, whole) != 0) return false;
  const unsigned rest = bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<unsigned char>(0xFF << (8 - rest));
  return (static_cast<unsigned char>(address[whole]) & mask) ==
         (static_cast<unsigned char>(network[whole]) & mask);
}

}  // namespace

no_proxy_rules::no_proxy_rules(std::string_view list) {
  std::size_t pos = 0;
  while (pos < list.size()) {
    const auto end = std::min(list.find_first_of(", \t", pos), list.size());
    const std::string_view entry = list.substr(pos, end - pos);
    pos = end + 1;
    if (entry.empty()) continue;
    if (entry == "*") {
      all_ = true;
      continue;
    }
    const auto slash = entry.find('/');
    const auto host = without_port(entry.substr(0, slash));
    if (auto bytes = address_bytes(host)) {
      unsigned bits = static_cast<unsigned>(bytes->size() * 8);
      if (slash != std::string_view::npos) {
        const auto digits = entry.substr(slash + 1);
        auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
        if (ec != std::errc{} || p != digits.data() + digits.size() || bits > bytes->size() * 8)
          continue;
      }
      blocks_.push_back({std::move(*bytes), bits});
    } else if (slash == std::string_view::npos && !trim_dots(host).empty()) {
      names_.push_back(lower(trim_dots(host)));
    }
  }
}

bool no_proxy_rules::bypasses(std::string_view host) const {
  if (all_) return true;
  if (auto bytes = address_bytes(host))
    return std::any_of(blocks_.begin(), blocks_.end(),
                       [&](const block& b) { return prefix_matches(*bytes, b.address, b.bits); });
  const std::string name = lower(trim_dots(host));
  return std::any_of(names_.begin(), names_.end(), [&](const std::string& n) {
    if (name.size() == n.size()) return name == n;
    return name.size() > n.size() && name.ends_with(n) && name[name.size() - n.size() - 1] == '.';
  });
}

}  // namespace sluice::net
