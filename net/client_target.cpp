#include "net/client_target.hpp"

#include <algorithm>

#include <boost/url/parse.hpp>

#include "core/error.hpp"

namespace sluice::net {
namespace {

std::string url_without_query(std::string_view url) {
  return std::string(url.substr(0, url.find_first_of("?#")));
}

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// The host as the resolver and the certificate check need it, lower-cased.
void read_host(const boost::urls::url_view& u, std::string_view url, const std::string& source,
               target& t) {
  switch (u.host_type()) {
    case boost::urls::host_type::ipv4:
      t.host = u.host_address();
      t.host_is_ip = true;
      break;
    case boost::urls::host_type::ipv6:
      t.host = u.host_ipv6_address().to_string();
      t.host_is_ip = true;
      break;
    case boost::urls::host_type::name: t.host = u.host_name(); break;
    default:
      throw error(error_kind::client,
                  source + ": URL without a usable host: " + url_without_query(url));
  }
  if (t.host.empty())
    throw error(error_kind::client, source + ": URL without a host: " + url_without_query(url));
  std::transform(t.host.begin(), t.host.end(), t.host.begin(), ascii_lower);
}

}  // namespace

target parse_target(std::string_view url, const std::string& source) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed)
    throw error(error_kind::client, source + ": invalid URL " + url_without_query(url) + " (" +
                                        parsed.error().message() + ")");
  const auto& u = *parsed;
  target t;
  if (u.scheme_id() == boost::urls::scheme::https)
    t.tls = true;
  else if (u.scheme_id() != boost::urls::scheme::http)
    throw error(error_kind::client, source + ": unsupported URL scheme in " +
                                        url_without_query(url) + " (http or https)");
  read_host(u, url, source, t);

  const bool explicit_port = u.has_port() && !u.port().empty();
  t.port = explicit_port ? std::string(u.port()) : (t.tls ? "443" : "80");
  t.host_header = std::string(u.encoded_host());
  if (explicit_port) t.host_header += ":" + t.port;

  std::string path = u.encoded_path().empty() ? std::string("/") : std::string(u.encoded_path());
  t.request_target = path;
  if (u.has_query()) t.request_target += "?" + std::string(u.encoded_query());
  const std::string scheme = t.tls ? "https" : "http";
  t.display = scheme + "://" + t.host_header + path;
  t.origin = scheme + "://" + t.host + ":" + t.port;
  return t;
}

}  // namespace sluice::net
