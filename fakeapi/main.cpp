// sluice-fakeapi: an imitation of the SaaS APIs sluice reads, for integration tests, the demo and
// benchmarks. Serves HTTP and HTTPS on loopback; see --help. Each vendor lives in its own folder
// (options, cli, generator, store, routes); this file reads the command line and serves them.
#include "fakeapi/cli_support.hpp"
#include "fakeapi/clevertim/api.hpp"
#include "fakeapi/clevertim/cli.hpp"
#include "fakeapi/cloudapp/api.hpp"
#include "fakeapi/cloudapp/cli.hpp"
#include "fakeapi/cloutly/api.hpp"
#include "fakeapi/cloutly/cli.hpp"
#include "fakeapi/faults.hpp"
#include "fakeapi/json_writer.hpp"
#include "fakeapi/partoo/api.hpp"
#include "fakeapi/partoo/cli.hpp"
#include "fakeapi/proxy/cli.hpp"
#include "fakeapi/proxy/proxy.hpp"
#include "fakeapi/router.hpp"
#include "fakeapi/server.hpp"
#include "fakeapi/tls.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace net = boost::asio;
using namespace sluice::fakeapi;

struct options {
  std::string listen = "127.0.0.1";
  int http_port = 0;
  int https_port = 0;
  std::string ready_file;
  std::string cert_out;
  std::uint64_t seed = 1;
  partoo::options partoo;
  cloutly::options cloutly;
  cloudapp::options cloudapp;
  clevertim::options clevertim;
  proxy::options proxy;
  fault_config faults;
};

class usage_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

void add_server_options(CLI::App& app, options& opts) {
  add_text(app, "--listen", opts.listen, "loopback address to bind", "ADDR");
  app.add_option("--http-port", opts.http_port, "HTTP port (0 = ephemeral)")
      ->check(CLI::Range(0, 65535))
      ->type_name("N")
      ->capture_default_str();
  app.add_option("--https-port", opts.https_port, "HTTPS port (0 = ephemeral, -1 disables HTTPS)")
      ->check(CLI::Range(-1, 65535))
      ->type_name("N")
      ->capture_default_str();
  add_text(
      app, "--ready-file", opts.ready_file,
      R"(write {"http_port":N,"https_port":M,"proxy_port":P,"cert_file":"..."} once listening)",
      "FILE");
  add_text(app, "--cert-out", opts.cert_out,
           "write the generated self-signed certificate (PEM) here", "FILE");
  add_count(app, "--seed", opts.seed, "seed for all generated data");
}

void add_fault_options(CLI::App& app, fault_config& faults) {
  const auto status = CLI::Range(100U, 599U);
  add_count(app, "--throttle-every", faults.throttle_every,
            "every Nth API request gets 429 + Retry-After (0 = off)");
  add_text(app, "--retry-after", faults.retry_after, "Retry-After value, sent verbatim", "S");
  add_count(app, "--error-every", faults.error_every,
            "every Nth API request gets --error-status (0 = off)");
  app.add_option("--error-status", faults.error_status, "status of those errors")
      ->check(status)
      ->type_name("CODE")
      ->capture_default_str();
  add_count(app, "--slow-ms", faults.slow_ms, "delay every API response by N ms");
  add_count(app, "--malformed-every", faults.malformed_every,
            "every Nth API request gets a truncated JSON body (0 = off)");
  add_count(app, "--html-every", faults.html_every,
            "every Nth API request gets an HTML error page (0 = off)");
  app.add_option("--html-status", faults.html_status, "status of those pages")
      ->check(status)
      ->type_name("CODE")
      ->capture_default_str();
}

// Throws usage_error for a command line it cannot read; exits after --help.
options parse_options(int argc, char** argv) {
  options opts;
  CLI::App app(
      "sluice-fakeapi: an imitation of the SaaS APIs sluice reads (Partoo, Cloutly, CloudApp, "
      "Clevertim)",
      "sluice-fakeapi");
  // As before CLI11: an option given twice takes its last value.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  add_server_options(app, opts);
  partoo::add_options(app, opts.partoo);
  cloutly::add_options(app, opts.cloutly);
  cloudapp::add_options(app, opts.cloudapp);
  clevertim::add_options(app, opts.clevertim);
  proxy::add_options(app, opts.proxy);
  add_fault_options(app, opts.faults);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    std::exit(0);
  } catch (const CLI::ParseError& e) {
    throw usage_error(std::string(e.what()) + "\n\n" + app.help());
  }
  // One seed for every vendor's data.
  opts.partoo.seed = opts.cloutly.seed = opts.cloudapp.seed = opts.clevertim.seed = opts.seed;
  return opts;
}

// Readers poll for the file: they must never see it half written.
void write_file_atomically(const std::string& path, std::string_view content) {
  const std::string temporary = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << content;
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + temporary);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    throw std::runtime_error("cannot rename " + temporary + " to " + path);
  }
}

std::string endpoint_text(const net::ip::address& address, unsigned short port) {
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(port);
}

// Tells whoever started the fake where it listens: the ready file, then stdout (test harnesses
// read the "listening" lines and wait for "ready").
void announce(const options& opts, const net::ip::address& address, unsigned short http_port,
              int https_port, int proxy_port) {
  if (!opts.ready_file.empty()) {
    json_writer w;
    w.begin_object();
    w.key("http_port").number(http_port);
    w.key("https_port").number(https_port);
    w.key("proxy_port").number(proxy_port);
    w.key("cert_file").string(opts.cert_out);
    w.end_object();
    write_file_atomically(opts.ready_file, w.take());
  }
  std::cout << "listening http " << endpoint_text(address, http_port) << "\n";
  if (https_port != -1) {
    std::cout << "listening https "
              << endpoint_text(address, static_cast<unsigned short>(https_port)) << "\n";
  }
  if (proxy_port != -1) {
    std::cout << "listening proxy "
              << endpoint_text(address, static_cast<unsigned short>(proxy_port)) << "\n";
  }
  std::cout << "ready" << std::endl;
}

// The CONNECT proxy, when asked for: its port, or -1.
int start_proxy(net::io_context& ioc, const net::ip::address& address, const proxy::options& opts,
                std::shared_ptr<proxy::state> st) {
  if (opts.port == -1) return -1;
  auto acceptor = bind_listener(ioc, {address, static_cast<unsigned short>(opts.port)});
  const int port = acceptor.local_endpoint().port();
  proxy::serve(std::move(acceptor), std::move(st));
  return port;
}

int run(const options& opts) {
  boost::system::error_code ec;
  const auto address = net::ip::make_address(opts.listen, ec);
  if (ec) throw usage_error("--listen needs an IP address, got '" + opts.listen + "'");
  // The fake accepts any client and has no real security: never expose it beyond this host.
  if (!address.is_loopback())
    throw usage_error("refusing to listen on non-loopback address " + opts.listen);

  // Declared before the router, so the vendors' state outlives the routes that refer to it.
  std::vector<vendor_state> vendors;
  router routes(opts.faults);
  vendors.push_back(partoo::install(routes, opts.partoo));
  vendors.push_back(cloutly::install(routes, opts.cloutly));
  vendors.push_back(cloudapp::install(routes, opts.cloudapp));
  vendors.push_back(clevertim::install(routes, opts.clevertim));
  auto proxy_state = proxy::install(routes, opts.proxy);

  const bool https = opts.https_port != -1;
  std::optional<self_signed_certificate> certificate;
  std::optional<net::ssl::context> tls;
  if (https || !opts.cert_out.empty()) {
    certificate = make_self_signed_certificate();
    if (!opts.cert_out.empty()) write_file_atomically(opts.cert_out, certificate->certificate_pem);
  }
  if (https) tls.emplace(make_server_context(*certificate));

  // Declared after everything the connections refer to, so it is destroyed (with any pending
  // connection coroutines) first.
  net::io_context ioc(1);
  auto http_acceptor = bind_listener(ioc, {address, static_cast<unsigned short>(opts.http_port)});
  const unsigned short http_port = http_acceptor.local_endpoint().port();
  std::optional<net::ip::tcp::acceptor> https_acceptor;
  int https_port = -1;
  if (https) {
    https_acceptor.emplace(
        bind_listener(ioc, {address, static_cast<unsigned short>(opts.https_port)}));
    https_port = https_acceptor->local_endpoint().port();
  }

  const int proxy_port = start_proxy(ioc, address, opts.proxy, proxy_state);
  const server_timeouts timeouts;
  serve_http(std::move(http_acceptor), routes, timeouts);
  if (https) serve_https(std::move(*https_acceptor), routes, *tls, timeouts);

  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&ioc](const boost::system::error_code&, int) { ioc.stop(); });

  announce(opts, address, http_port, https_port, proxy_port);

  ioc.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse_options(argc, argv));
  } catch (const usage_error& e) {
    std::cerr << "sluice-fakeapi: " << e.what();
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "sluice-fakeapi: " << e.what() << "\n";
    return 1;
  }
}
