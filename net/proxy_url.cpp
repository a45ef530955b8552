#include "net/proxy_url.hpp"

#include <algorithm>

#include <boost/url/parse.hpp>
#include <openssl/evp.h>

#include "core/error.hpp"
#include "core/redaction.hpp"

namespace sluice::net {
namespace {

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

[[noreturn]] void refuse(const std::string& why) {
  throw error(error_kind::config, "invalid proxy URL: " + why);
}

void read_host(const boost::urls::url_view& u, proxy_endpoint& p) {
  switch (u.host_type()) {
    case boost::urls::host_type::ipv4: p.host = u.host_address(); break;
    case boost::urls::host_type::ipv6: p.host = u.host_ipv6_address().to_string(); break;
    case boost::urls::host_type::name: p.host = u.host_name(); break;
    default: refuse("no usable host");
  }
  if (p.host.empty()) refuse("no host");
  std::transform(p.host.begin(), p.host.end(), p.host.begin(), ascii_lower);
}

void read_port(const boost::urls::url_view& u, proxy_endpoint& p) {
  p.port = u.has_port() && !u.port().empty() ? std::string(u.port()) : "1080";
  if (p.port.size() > 5 ||
      !std::all_of(p.port.begin(), p.port.end(), [](char c) { return c >= '0' && c <= '9'; }))
    refuse("the port is not a number");
  const int n = std::stoi(p.port);
  if (n < 1 || n > 65535) refuse("the port is out of range");
}

}  // namespace

proxy_endpoint parse_proxy_url(std::string_view url) {
  std::string text(url);
  if (text.find("://") == std::string::npos) text = "http://" + text;
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) refuse("not a URL (" + parsed.error().message() + ")");
  const auto& u = *parsed;
  if (u.scheme_id() == boost::urls::scheme::https)
    refuse("https:// proxies are not supported (use http://: the tunnel to the API is TLS)");
  if (u.scheme_id() != boost::urls::scheme::http) refuse("the scheme must be http://");
  if (!(u.encoded_path().empty() || u.encoded_path() == "/") || u.has_query() || u.has_fragment())
    refuse("a proxy URL has no path, query or fragment");
  proxy_endpoint p;
  read_host(u, p);
  read_port(u, p);
  if (u.has_userinfo()) {
    p.user = u.user();
    p.password = secret(std::string(u.password()));
  }
  const bool v6 = p.host.find(':') != std::string::npos;
  p.authority = (v6 ? "[" + p.host + "]" : p.host) + ":" + p.port;
  return p;
}

void register_proxy_credentials(const proxy_endpoint& proxy) {
  if (!proxy.has_credentials()) return;
  register_secret(proxy.password.reveal());
  register_basic_credentials(proxy.user, proxy.password.reveal());
}

secret proxy_authorization(const proxy_endpoint& proxy) {
  std::string plain = proxy.user + ":" + proxy.password.reveal();
  std::string encoded(4 * ((plain.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                reinterpret_cast<const unsigned char*>(plain.data()),
                                static_cast<int>(plain.size()));
  encoded.resize(static_cast<std::size_t>(n));
  std::fill(plain.begin(), plain.end(), '\0');
  return secret("Basic " + encoded);
}

}  // namespace sluice::net
