#include "net/query.hpp"

namespace sluice::net {
namespace {

bool unreserved(unsigned char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

std::string percent_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (unreserved(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0x0F]);
    }
  }
  return out;
}

std::string make_url(std::string_view base_url, std::string_view path, const query_params& params) {
  std::string url(base_url);
  if (!path.empty()) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    while (!path.empty() && path.front() == '/') path.remove_prefix(1);
    url += '/';
    url += path;
  }
  if (params.empty()) return url;
  // A path that already carries a query (`/items?deleted=true`) gets the rest appended.
  url += url.find('?') == std::string::npos ? '?' : '&';
  bool first = true;
  for (const auto& [name, value] : params) {
    if (!first) url += '&';
    first = false;
    url += percent_encode(name);
    url += '=';
    url += percent_encode(value);
  }
  return url;
}

}  // namespace sluice::net
