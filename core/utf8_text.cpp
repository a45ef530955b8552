#include "core/utf8_text.hpp"

#include <algorithm>

namespace sluice {
namespace {

// Length of the well-formed character starting at text[i], or 0 when the bytes there are not one
// (RFC 3629 table: no overlong forms, no surrogates, nothing above U+10FFFF). NUL counts as
// malformed: PostgreSQL text cannot hold it.
std::size_t char_length(std::string_view text, std::size_t i) noexcept {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char b0 = byte(0);
  if (b0 == 0) return 0;
  if (b0 < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    if (b0 == 0xE0) low = 0xA0;
    if (b0 == 0xED) high = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    if (b0 == 0xF0) low = 0x90;
    if (b0 == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(1) < low || byte(1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k)
    if (byte(k) < 0x80 || byte(k) > 0xBF) return 0;
  return length;
}

}  // namespace

bool is_utf8_safe(std::string_view text) noexcept {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = char_length(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string utf8_safe(std::string_view text, std::size_t max_bytes) {
  static constexpr char hex[] = "0123456789ABCDEF";
  static constexpr std::string_view ellipsis = "...";
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  // Where the text may be cut so that "..." still fits.
  const std::size_t room = max_bytes >= ellipsis.size() ? max_bytes - ellipsis.size() : 0;
  std::size_t cut_at = std::string::npos;  // output length before the first piece beyond `room`
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = char_length(text, i);
    const std::size_t before = out.size();
    if (n == 0) {
      const auto b = static_cast<unsigned char>(text[i]);
      out += "\\x";
      out += hex[b >> 4];
      out += hex[b & 0xF];
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
    if (cut_at == std::string::npos && out.size() > room) cut_at = before;
    if (out.size() > max_bytes) break;
  }
  if (out.size() <= max_bytes) return out;
  out.resize(cut_at);
  if (max_bytes >= ellipsis.size()) out += ellipsis;
  return out;
}

}  // namespace sluice
