#pragma once
// The imitation of CloudApp's API v1 (my.cl.ly): items paged by page/per_page newest first, the
// trash (`deleted=true`), the account, all behind HTTP Digest with real verification (nonces
// that go stale after a number of uses, strictly increasing nonce counts). Generated data is a
// deterministic function of the options; /_control/cloudapp endpoints dump and mutate it, and
// /_control/cloudapp/options switches behaviours at run time (omit_deleted_at, bump_on_list).
#include "fakeapi/router.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace sluice::fakeapi {

enum class digest_algorithm { md5, sha256 };

struct cloudapp_options {
  std::uint64_t seed = 1;
  std::size_t items = 100;    // live items
  std::size_t trashed = 10;   // items in the trash
  std::size_t max_per_page = 30;  // larger `per_page`s are capped silently
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

class cloudapp_api {
 public:
  explicit cloudapp_api(cloudapp_options options);
  ~cloudapp_api();
  cloudapp_api(const cloudapp_api&) = delete;
  cloudapp_api& operator=(const cloudapp_api&) = delete;

  // Registers /cloudapp/... and /_control/cloudapp/...; this object must outlive `routes`.
  void install(router& routes);

  std::size_t item_count() const;  // live and trashed

 private:
  class store;
  std::unique_ptr<store> store_;
};

}  // namespace sluice::fakeapi
