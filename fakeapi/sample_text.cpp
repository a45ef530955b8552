#include "fakeapi/sample_text.hpp"

namespace sluice::fakeapi {

std::string full_name(std::uint64_t h, words first_names, words last_names) {
  std::string name(pick(first_names, h >> 8));
  name += ' ';
  name += pick(last_names, h >> 24);
  return name;
}

std::string sentences(std::uint64_t text_seed, words plain, words tricky) {
  prng rng(mix64(text_seed, 1));
  const std::uint64_t n = 1 + rng.below(3);
  std::string text;
  for (std::uint64_t i = 0; i < n; ++i) {
    if (i != 0) text += ' ';
    // About one record in six needs JSON escapes: common enough to test, rare enough to read.
    text += rng.percent(8) ? pick(tricky, rng.next()) : pick(plain, rng.next());
  }
  return text;
}

std::string two_words(prng& rng, words first, words second) {
  // Kept as the one expression every vendor wrote: which word is drawn first is the compiler's
  // choice here, and drawing them in another order would change every generated name.
  return std::string(pick(first, rng.next())) + " " + std::string(pick(second, rng.next()));
}

std::string uuid(std::uint64_t high, std::uint64_t low) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) out += '-';
    const std::uint64_t word = i < 16 ? high : low;
    auto nibble = static_cast<unsigned>((word >> (60 - 4 * (i % 16))) & 0xf);
    if (i == 12) nibble = 4;                 // version 4 (random)
    if (i == 16) nibble = 8 | (nibble & 3);  // RFC 4122 variant
    out += hex[nibble];
  }
  return out;
}

std::string uuid(prng& rng) {
  const std::uint64_t high = rng.next();
  return uuid(high, rng.next());
}

}  // namespace sluice::fakeapi
