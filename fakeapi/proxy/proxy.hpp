#pragma once
// A real HTTP CONNECT proxy (RFC 9110 9.3.6) on loopback: it reads `CONNECT host:port`, checks
// the credentials it was given, connects to the target (loopback addresses and `localhost`
// only: the fake never reaches beyond this host) and relays bytes both ways until either side
// closes. It shares no code with the client it tests.
//
// Control endpoints (no authentication):
//   GET  /_control/proxy  {"requests":N,"tunnels":N,"refused":N,"refuse":S,"stall":B,
//        "targets":["127.0.0.1:8443",...]}: CONNECTs received, tunnels opened, refusals, the
//        current switches and the targets of the last 100 tunnels
//   POST /_control/proxy  {"refuse":S,"stall":B,"reset":B}: refuse answers every CONNECT with
//        status S (0: tunnel again); stall reads CONNECTs and never answers (a proxy that hangs);
//        reset zeroes the counts. Answers as GET.
#include "fakeapi/proxy/options.hpp"
#include "fakeapi/router.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>

namespace sluice::fakeapi::proxy {

struct state {
  options opts;
  unsigned refuse = 0;
  bool stall = false;
  std::uint64_t requests = 0;
  std::uint64_t tunnels = 0;
  std::uint64_t refused = 0;
  std::deque<std::string> targets;  // of the last tunnels, oldest first
};

// Registers /_control/proxy; the answer owns the state the proxy and those routes share.
std::shared_ptr<state> install(router& routes, options opts);

// Serves CONNECT requests from the acceptor on its io_context (single-threaded, like the rest of
// the fake: no locks).
void serve(boost::asio::ip::tcp::acceptor acceptor, std::shared_ptr<state> st);

}  // namespace sluice::fakeapi::proxy
