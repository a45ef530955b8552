#include "fakeapi/proxy/cli.hpp"

#include "fakeapi/cli_support.hpp"

namespace sluice::fakeapi::proxy {

void add_options(CLI::App& app, options& opts) {
  app.add_option("--proxy-port", opts.port,
                 "HTTP CONNECT proxy port (0 = ephemeral, -1 = no proxy); tunnels to loopback only")
      ->check(CLI::Range(-1, 65535))
      ->type_name("N")
      ->capture_default_str();
  add_text(app, "--proxy-credentials", opts.credentials,
           "credentials the proxy requires (Proxy-Authorization: Basic), else 407", "USER:PASS");
  app.add_option("--proxy-refuse", opts.refuse,
                 "answer every CONNECT with this status instead of tunnelling (0 = tunnel)")
      ->check(CLI::Range(0U, 599U))
      ->type_name("CODE")
      ->capture_default_str();
}

}  // namespace sluice::fakeapi::proxy
