#include "net/http.hpp"

namespace sluice::net {
namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

std::string_view response::header_value(std::string_view name) const noexcept {
  for (const auto& h : headers)
    if (iequals(h.name, name)) return h.value;
  return {};
}

bool valid_header(const header& h) noexcept {
  if (h.name.empty()) return false;
  for (char c : h.name)
    if (static_cast<unsigned char>(c) <= 0x20 || c == ':' || c == 0x7f) return false;
  for (char c : h.value)
    if (c == '\r' || c == '\n' || c == '\0') return false;
  return true;
}

}  // namespace sluice::net
