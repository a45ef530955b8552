// sluice-fakeapi: an imitation of the SaaS APIs sluice reads, for integration tests, the demo and
// benchmarks. Serves HTTP and HTTPS on loopback; see --help.
#include "fakeapi/clevertim.hpp"
#include "fakeapi/cloudapp.hpp"
#include "fakeapi/cloutly.hpp"
#include "fakeapi/faults.hpp"
#include "fakeapi/json_writer.hpp"
#include "fakeapi/partoo.hpp"
#include "fakeapi/router.hpp"
#include "fakeapi/server.hpp"
#include "fakeapi/tls.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>

#include <unistd.h>

#include <charconv>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

namespace net = boost::asio;
using namespace sluice::fakeapi;

constexpr std::string_view usage = R"(usage: sluice-fakeapi [options]

  --listen ADDR              loopback address to bind (default 127.0.0.1)
  --http-port N              HTTP port (default 0 = ephemeral)
  --https-port N             HTTPS port (default 0 = ephemeral, -1 disables HTTPS)
  --ready-file FILE          write {"http_port":N,"https_port":M,"cert_file":"..."} once listening
  --cert-out FILE            write the generated self-signed certificate (PEM) here
  --seed N                   seed for all generated data (default 1)
  --partoo-reviews N         generated Partoo reviews (default 1000)
  --partoo-businesses N      generated Partoo businesses (default 20)
  --partoo-tie-block N       reviews sharing one update_date mid-range (default 0)
  --partoo-key KEY           expected x-APIKey (default partoo-test-key)
  --partoo-deleted-in-search hide|include
                             whether GET /reviews without state__in shows deleted reviews
                             (default hide)
  --partoo-extra-states[=false]   some reviews in pending_/treated_auto_reply (default on)
  --partoo-reply-threads[=false]  reply suggestions and customers' comments in threads (default on)
  --partoo-ignore-per-page   GET /reviews answers 30 per page whatever per_page says
  --partoo-ignore-order-by   GET /reviews answers in id order whatever order_by says
  --partoo-business-first-page 0|1
                             number of the first page of GET /business/search (default 1)
  --cloutly-reviews N        generated Cloutly reviews (default 500)
  --cloutly-businesses N     generated Cloutly businesses (default 10)
  --cloutly-max-limit N      cap applied silently to Cloutly's limit parameter (default 50)
  --cloutly-arrive-every N   every Nth Cloutly /reviews request first adds new reviews (0 = off)
  --cloutly-arrive-count K   reviews added per arrival (default 1)
  --cloutly-key KEY          expected x-api-key (default cloutly-test-key)
  --cloutly-total listing|page|account
                             what /reviews' total counts: the listing (default), only the page,
                             or the whole account including reviews the listing hides
  --cloudapp-items N         generated live CloudApp items (default 100)
  --cloudapp-trashed N       generated CloudApp items in the trash (default 10)
  --cloudapp-max-per-page N  cap applied silently to CloudApp's per_page parameter (default 30)
  --cloudapp-user EMAIL      expected Digest user name, lower-cased (default ops@example.com)
  --cloudapp-password PASS   expected Digest password (default cloudapp-test-password)
  --cloudapp-nonce-uses N    successful uses of a nonce before it answers stale (default 5, 0 = never)
  --cloudapp-algorithm ALG   MD5 (default) or SHA-256
  --cloudapp-tricky-challenge  send the Digest challenge among others in one WWW-Authenticate
  --cloudapp-bump-on-list    every /items request first bumps a third of the view counters
  --cloudapp-omit-deleted-at items carry no deleted_at field, not even those in the trash
  --clevertim-token TOKEN    expected Basic user name, password X (default clevertim-test-token)
  --clevertim-contacts N     generated Clevertim contacts (default 200)
  --clevertim-companies N    generated Clevertim companies (default 30)
  --clevertim-cases N        generated Clevertim cases (default 40)
  --clevertim-opportunities N  generated Clevertim opportunities (default 40)
  --clevertim-tasks N        generated Clevertim tasks (default 40)
  --clevertim-notes N        generated Clevertim notes (default 40)
  --clevertim-customfields N generated Clevertim custom field definitions (default 6)
  --clevertim-timezone ZONE  IANA zone whose wall-clock time task startDate/endDate show
                             (default UTC)
  --throttle-every N         every Nth API request gets 429 + Retry-After (0 = off)
  --retry-after S            Retry-After value, sent verbatim (default 1)
  --error-every N            every Nth API request gets --error-status (0 = off)
  --error-status CODE        default 503
  --slow-ms N                delay every API response by N ms
  --malformed-every N        every Nth API request gets a truncated JSON body (0 = off)
  --html-every N             every Nth API request gets an HTML error page (0 = off)
  --html-status CODE         default 502
)";

struct options {
  std::string listen = "127.0.0.1";
  int http_port = 0;
  int https_port = 0;
  std::string ready_file;
  std::string cert_out;
  partoo_options partoo;
  cloutly_options cloutly;
  cloudapp_options cloudapp;
  clevertim_options clevertim;
  fault_config faults;
};

class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

template <class T>
T parse_number(std::string_view name, std::string_view text, T min, T max) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < min || value > max) {
    throw usage_error("invalid value for " + std::string(name) + ": '" + std::string(text) + "'");
  }
  return value;
}

options parse_options(int argc, char** argv) {
  options opts;
  auto count = [](std::uint64_t& target) {
    return [&target](std::string_view name, std::string_view v) {
      target = parse_number<std::uint64_t>(name, v, 0, UINT64_MAX);
    };
  };
  auto size = [](std::size_t& target) {
    return [&target](std::string_view name, std::string_view v) {
      target = parse_number<std::size_t>(name, v, 0, 100'000'000);
    };
  };
  auto status = [](unsigned& target) {
    return [&target](std::string_view name, std::string_view v) {
      target = parse_number<unsigned>(name, v, 100, 599);
    };
  };
  auto text = [](std::string& target) {
    return [&target](std::string_view, std::string_view v) { target = std::string(v); };
  };
  const std::map<std::string_view, std::function<void(std::string_view, std::string_view)>> setters{
      {"--listen", text(opts.listen)},
      {"--http-port", [&](std::string_view n, std::string_view v) { opts.http_port = parse_number(n, v, 0, 65535); }},
      {"--https-port", [&](std::string_view n, std::string_view v) { opts.https_port = parse_number(n, v, -1, 65535); }},
      {"--ready-file", text(opts.ready_file)},
      {"--cert-out", text(opts.cert_out)},
      // One seed for every vendor's data.
      {"--seed", [&](std::string_view n, std::string_view v) {
         opts.partoo.seed = parse_number<std::uint64_t>(n, v, 0, UINT64_MAX);
         opts.cloutly.seed = opts.partoo.seed;
         opts.cloudapp.seed = opts.partoo.seed;
         opts.clevertim.seed = opts.partoo.seed;
       }},
      {"--partoo-reviews", size(opts.partoo.reviews)},
      {"--partoo-businesses", size(opts.partoo.businesses)},
      {"--partoo-tie-block", size(opts.partoo.tie_block)},
      {"--partoo-key", text(opts.partoo.api_key)},
      {"--partoo-deleted-in-search", [&](std::string_view n, std::string_view v) {
         const auto mode = parse_deleted_search(v);
         if (!mode) throw usage_error("invalid value for " + std::string(n) + ": '" + std::string(v) + "' (hide or include)");
         opts.partoo.switches.deleted = *mode;
       }},
      {"--partoo-business-first-page", [&](std::string_view n, std::string_view v) {
         opts.partoo.switches.business_first_page = parse_number<int>(n, v, 0, 1);
       }},
      {"--cloutly-reviews", size(opts.cloutly.reviews)},
      {"--cloutly-businesses", size(opts.cloutly.businesses)},
      {"--cloutly-max-limit", [&](std::string_view n, std::string_view v) {
         opts.cloutly.max_limit = parse_number<std::size_t>(n, v, 1, 100'000'000);
       }},
      {"--cloutly-arrive-every", count(opts.cloutly.arrive_every)},
      {"--cloutly-arrive-count", [&](std::string_view n, std::string_view v) {
         opts.cloutly.arrive_count = parse_number<std::uint64_t>(n, v, 0, 1'000'000);
       }},
      {"--cloutly-key", text(opts.cloutly.api_key)},
      {"--cloutly-total", [&](std::string_view n, std::string_view v) {
         if (v == "listing") {
           opts.cloutly.total = cloutly_total::listing;
         } else if (v == "page") {
           opts.cloutly.total = cloutly_total::page;
         } else if (v == "account") {
           opts.cloutly.total = cloutly_total::account;
         } else {
           throw usage_error("invalid value for " + std::string(n) + ": '" + std::string(v) + "' (listing, page or account)");
         }
       }},
      {"--cloudapp-items", size(opts.cloudapp.items)},
      {"--cloudapp-trashed", size(opts.cloudapp.trashed)},
      {"--cloudapp-max-per-page", [&](std::string_view n, std::string_view v) {
         opts.cloudapp.max_per_page = parse_number<std::size_t>(n, v, 1, 100'000'000);
       }},
      {"--cloudapp-user", text(opts.cloudapp.user)},
      {"--cloudapp-password", text(opts.cloudapp.password)},
      {"--cloudapp-nonce-uses", count(opts.cloudapp.nonce_uses)},
      {"--cloudapp-algorithm", [&](std::string_view n, std::string_view v) {
         if (v == "MD5" || v == "md5") {
           opts.cloudapp.algorithm = digest_algorithm::md5;
         } else if (v == "SHA-256" || v == "sha-256") {
           opts.cloudapp.algorithm = digest_algorithm::sha256;
         } else {
           throw usage_error("invalid value for " + std::string(n) + ": '" + std::string(v) + "' (MD5 or SHA-256)");
         }
       }},
      {"--clevertim-token", text(opts.clevertim.token)},
      {"--clevertim-contacts", size(opts.clevertim.contacts)},
      {"--clevertim-companies", size(opts.clevertim.companies)},
      {"--clevertim-cases", size(opts.clevertim.cases)},
      {"--clevertim-opportunities", size(opts.clevertim.opportunities)},
      {"--clevertim-tasks", size(opts.clevertim.tasks)},
      {"--clevertim-notes", size(opts.clevertim.notes)},
      {"--clevertim-customfields", size(opts.clevertim.customfields)},
      {"--clevertim-timezone", text(opts.clevertim.timezone)},
      {"--throttle-every", count(opts.faults.throttle_every)},
      {"--retry-after", text(opts.faults.retry_after)},
      {"--error-every", count(opts.faults.error_every)},
      {"--error-status", status(opts.faults.error_status)},
      {"--slow-ms", count(opts.faults.slow_ms)},
      {"--malformed-every", count(opts.faults.malformed_every)},
      {"--html-every", count(opts.faults.html_every)},
      {"--html-status", status(opts.faults.html_status)},
  };

  // Options without a value (`--flag`, or `--flag=true|false`).
  const std::map<std::string_view, bool*> flags{
      {"--cloudapp-tricky-challenge", &opts.cloudapp.tricky_challenge},
      {"--partoo-extra-states", &opts.partoo.switches.extra_states},
      {"--partoo-reply-threads", &opts.partoo.switches.reply_threads},
      {"--partoo-ignore-per-page", &opts.partoo.switches.ignore_per_page},
      {"--partoo-ignore-order-by", &opts.partoo.switches.ignore_order_by},
      {"--cloudapp-bump-on-list", &opts.cloudapp.bump_on_list},
      {"--cloudapp-omit-deleted-at", &opts.cloudapp.omit_deleted_at},
  };

  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << usage;
      std::exit(0);
    }
    std::optional<std::string_view> value;
    if (const auto eq = arg.find('='); eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    if (const auto flag = flags.find(arg); flag != flags.end()) {
      if (value && *value != "true" && *value != "false") {
        throw usage_error("invalid value for " + std::string(arg) + ": '" + std::string(*value) + "'");
      }
      *flag->second = !value || *value == "true";
      continue;
    }
    const auto it = setters.find(arg);
    if (it == setters.end()) throw usage_error("unknown option " + std::string(arg));
    if (!value) {
      if (i + 1 >= argc) throw usage_error("missing value for " + std::string(arg));
      value = argv[++i];
    }
    it->second(arg, *value);
  }
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

int run(const options& opts) {
  boost::system::error_code ec;
  const auto address = net::ip::make_address(opts.listen, ec);
  if (ec) throw usage_error("--listen needs an IP address, got '" + opts.listen + "'");
  // The fake accepts any client and has no real security: never expose it beyond this host.
  if (!address.is_loopback()) throw usage_error("refusing to listen on non-loopback address " + opts.listen);

  partoo_api partoo(opts.partoo);
  cloutly_api cloutly(opts.cloutly);
  cloudapp_api cloudapp(opts.cloudapp);
  clevertim_api clevertim(opts.clevertim);
  router routes(opts.faults);
  partoo.install(routes);
  cloutly.install(routes);
  cloudapp.install(routes);
  clevertim.install(routes);

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
    https_acceptor.emplace(bind_listener(ioc, {address, static_cast<unsigned short>(opts.https_port)}));
    https_port = https_acceptor->local_endpoint().port();
  }

  const server_timeouts timeouts;
  serve_http(std::move(http_acceptor), routes, timeouts);
  if (https) serve_https(std::move(*https_acceptor), routes, *tls, timeouts);

  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&ioc](const boost::system::error_code&, int) { ioc.stop(); });

  if (!opts.ready_file.empty()) {
    json_writer w;
    w.begin_object();
    w.key("http_port").number(http_port);
    w.key("https_port").number(https_port);
    w.key("cert_file").string(opts.cert_out);
    w.end_object();
    write_file_atomically(opts.ready_file, w.take());
  }

  std::cout << "listening http " << endpoint_text(address, http_port) << "\n";
  if (https) std::cout << "listening https " << endpoint_text(address, static_cast<unsigned short>(https_port)) << "\n";
  std::cout << "ready" << std::endl;

  ioc.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse_options(argc, argv));
  } catch (const usage_error& e) {
    std::cerr << "sluice-fakeapi: " << e.what() << "\n\n" << usage;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "sluice-fakeapi: " << e.what() << "\n";
    return 1;
  }
}
