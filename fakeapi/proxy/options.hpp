#pragma once
// The CONNECT proxy's options (--proxy-*): a forward proxy on loopback that tunnels to the fake's
// own listeners, so clients can be tested behind a corporate proxy without one.
#include <string>

namespace sluice::fakeapi::proxy {

struct options {
  int port = -1;            // -1: no proxy; 0: an ephemeral port
  std::string credentials;  // "user:password" a client must send (Basic); empty: none needed
  unsigned refuse = 0;      // answer every CONNECT with this status (0: tunnel)
};

}  // namespace sluice::fakeapi::proxy
