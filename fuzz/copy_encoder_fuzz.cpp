// Round trip through PostgreSQL's COPY text format: what the encoder writes for a text cell and a
// text[] cell, decoded the way the server decodes it, is the value we meant (NUL bytes dropped:
// PostgreSQL text cannot hold them). A wrong escape would corrupt data silently or fail a batch.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/copy_encoder.hpp"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

std::string without_nul(std::string_view text) {
  std::string out;
  for (char c : text)
    if (c != '\0') out += c;
  return out;
}

// COPY text field decoding (server side): backslash escapes; a raw tab or newline would end the
// field or the line, so none may be left.
std::optional<std::string> decode_copy_field(std::string_view field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    char c = field[i];
    if (c == '\t' || c == '\n' || c == '\r') return std::nullopt;
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i == field.size()) return std::nullopt;
    switch (field[i]) {
      case '\\': out += '\\'; break;
      case 't': out += '\t'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      default: return std::nullopt;  // the encoder never writes other escapes
    }
  }
  return out;
}

// An array literal whose elements are all double-quoted: {"a","b\"c"}.
std::optional<std::vector<std::string>> decode_array(std::string_view literal) {
  if (literal.size() < 2 || literal.front() != '{' || literal.back() != '}') return std::nullopt;
  std::vector<std::string> items;
  std::size_t i = 1;
  const std::size_t end = literal.size() - 1;
  while (i < end) {
    if (literal[i] != '"') return std::nullopt;
    std::string item;
    for (++i; i < end && literal[i] != '"'; ++i) {
      if (literal[i] == '\\' && ++i == end) return std::nullopt;
      item += literal[i];
    }
    if (i >= end) return std::nullopt;
    items.push_back(std::move(item));
    ++i;  // closing quote
    if (i < end && literal[i++] != ',') return std::nullopt;
  }
  return items;
}

void text_round_trip(std::string_view text) {
  std::string encoded;
  sluice::store::append_copy_text(encoded, text);
  auto decoded = decode_copy_field(encoded);
  check(decoded && *decoded == without_nul(text));
}

void array_round_trip(std::string_view text) {
  std::vector<std::string> items;  // the input split at 0x1f bytes: any element content occurs
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '\x1f') {
      items.emplace_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  std::string encoded;
  sluice::store::append_copy_text_array(encoded, items);
  auto field = decode_copy_field(encoded);
  check(field.has_value());
  auto decoded = decode_array(*field);
  check(decoded && decoded->size() == items.size());
  for (std::size_t i = 0; i < items.size(); ++i) check((*decoded)[i] == without_nul(items[i]));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  text_round_trip(text);
  array_round_trip(text);
  return 0;
}
