#pragma once
// Deterministic pseudo-random numbers for generated data. splitmix64 is fully specified, so the
// same seed yields the same data on every platform and standard library (std:: distributions
// do not promise that).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::fakeapi {

constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Combines two values into a seed for an independent stream (e.g. global seed and record id).
constexpr std::uint64_t mix64(std::uint64_t a, std::uint64_t b) { return mix64(a ^ mix64(b)); }

class prng {
public:
  explicit constexpr prng(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  // Uniform enough in [0, n) for test data; the modulo bias is irrelevant here.
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }

  bool percent(unsigned p) { return below(100) < p; }

  // Picks k distinct elements (k clamped to the size) by a partial Fisher-Yates shuffle.
  template <class T>
  std::vector<T> pick_distinct(std::vector<T> candidates, std::size_t k) {
    k = std::min(k, candidates.size());
    for (std::size_t i = 0; i < k; ++i) {
      std::swap(candidates[i], candidates[i + below(candidates.size() - i)]);
    }
    candidates.resize(k);
    return candidates;
  }

private:
  std::uint64_t state_;
};

// Strings drawn from a seed: the same seed always gives the same text.
inline std::string random_chars(std::uint64_t seed, std::size_t n, std::string_view alphabet) {
  prng rng(seed);
  std::string out(n, ' ');
  for (auto& c : out) c = alphabet[rng.below(alphabet.size())];
  return out;
}

inline std::string random_hex(std::uint64_t seed, std::size_t n) {
  return random_chars(seed, n, "0123456789abcdef");
}

inline std::string random_base62(std::uint64_t seed, std::size_t n) {
  return random_chars(seed, n, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
}

// Digits without a leading zero, like the numeric ids platforms hand out.
inline std::string random_digits(std::uint64_t seed, std::size_t n) {
  auto out = random_chars(seed, n, "0123456789");
  if (!out.empty() && out[0] == '0') out[0] = '1' + static_cast<char>(seed % 9);
  return out;
}

}  // namespace sluice::fakeapi
