#pragma once
// ASCII case folding for protocol tokens (header values, auth schemes), never for user text.
#include <string>
#include <string_view>

namespace sluice::fakeapi {

inline std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

inline bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ascii_lower(a) == ascii_lower(b);
}

}  // namespace sluice::fakeapi
