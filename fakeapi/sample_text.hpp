#pragma once
// Sample text for generated records, shared by every vendor's generator: each vendor brings its
// own word tables (its customers write in its markets' languages), the way they are combined is
// one. Everything is a function of a seed, so the same options always give the same data.
#include "fakeapi/random.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace sluice::fakeapi {

// The entry of `table` that `seed` designates.
template <class Table>
const auto& pick(const Table& table, std::uint64_t seed) {
  return table[seed % table.size()];
}

using words = std::span<const std::string_view>;

// "First Last": the first name from bits 8.., the last name from bits 24.. of `h`, so one hash
// gives both without the two being correlated.
std::string full_name(std::uint64_t h, words first_names, words last_names);

// One to three sentences; about one in twelve comes from `tricky` (JSON escapes: quotes,
// backslashes, tabs, line breaks), so clients' decoding is exercised on ordinary-looking records.
std::string sentences(std::uint64_t text_seed, words plain, words tricky);

// "<first> <second>", each word drawn from the generator in that order (business names).
std::string two_words(prng& rng, words first, words second);

// A random (version 4, RFC 4122 variant) UUID from two 64-bit words.
std::string uuid(std::uint64_t high, std::uint64_t low);
std::string uuid(prng& rng);

}  // namespace sluice::fakeapi
