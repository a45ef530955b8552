#pragma once
// What the CloudApp imitation is started with (--cloudapp-*, cli.hpp).
#include <cstddef>
#include <cstdint>
#include <string>

namespace sluice::fakeapi::cloudapp {

enum class digest_algorithm { md5, sha256 };

struct options {
  std::uint64_t seed = 1;
  std::size_t items = 100;               // live items
  std::size_t trashed = 10;              // items in the trash
  std::size_t max_per_page = 30;         // larger `per_page`s are capped silently
  std::string user = "ops@example.com";  // compared lower-cased, as CloudApp's clients send it
  std::string password = "cloudapp-test-password";
  std::uint64_t nonce_uses = 5;  // successful uses of a nonce before it goes stale; 0 = never
  digest_algorithm algorithm = digest_algorithm::md5;
  // Offer the Digest challenge among others, with quoted commas and escapes, in one header.
  bool tricky_challenge = false;
  // Every answered /items request first bumps the view counters of a third of the live items.
  bool bump_on_list = false;
  // Items carry no `deleted_at` field, as in the vendor's own examples (even those listed with
  // deleted=true): only the listing an item came from says it is in the trash. The control dump
  // still shows deleted_at.
  bool omit_deleted_at = false;
};

}  // namespace sluice::fakeapi::cloudapp
