#pragma once
// NO_PROXY, read as curl reads it: the hosts that are reached directly although a proxy is set.
#include <string>
#include <string_view>
#include <vector>

namespace sluice::net {

// Entries are separated by commas (or white space). Each is
//   - `*`: every host (no proxy at all);
//   - a host name, matching that name exactly or any name below it: `example.com` and
//     `.example.com` both match `example.com` and `api.example.com`, not `badexample.com`;
//   - an IP address (IPv6 with or without brackets), matching that address only, or a CIDR
//     block (`10.0.0.0/8`, `fd00::/8`). Names never match addresses: `localhost` does not cover
//     127.0.0.1 (list both), as curl.
// A port in an entry (`example.com:8443`, `[::1]:8443`) is ignored; matching ignores case and a
// trailing dot. Entries that are none of these are ignored.
class no_proxy_rules {
public:
  no_proxy_rules() = default;
  explicit no_proxy_rules(std::string_view list);

  // Whether `host` (lower-case, IPv6 without brackets, as net::target holds it) is reached
  // directly.
  bool bypasses(std::string_view host) const;
  bool empty() const noexcept { return !all_ && names_.empty() && blocks_.empty(); }

private:
  struct block {
    std::string address;  // the network's bytes (4 or 16)
    unsigned bits = 0;
  };
  bool all_ = false;
  std::vector<std::string> names_;  // without leading or trailing dots, lower-case
  std::vector<block> blocks_;
};

}  // namespace sluice::net
