#pragma once
// CloudApp's HTTP Digest (RFC 7616) with real verification: nonces handed out in challenges go
// stale after a number of successful uses, nonce counts must strictly increase, and the digest
// must match the configured user and password; optionally a challenge in a crowded header.
#include "fakeapi/cloudapp/options.hpp"
#include "fakeapi/router.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sluice::fakeapi::cloudapp {

std::string hex_digest(digest_algorithm algorithm, std::string_view data);

// `Digest name=value, name="quoted \"value\"", ...` to lower-cased names and unquoted values;
// nullopt unless the scheme is Digest and the syntax is valid (duplicates are invalid).
std::optional<std::map<std::string, std::string>> parse_digest_credentials(std::string_view text);

class digest_guard {
public:
  explicit digest_guard(const options& opts);

  // nullopt when the request carries valid credentials; otherwise the 401 challenge (or a 400).
  std::optional<reply> authenticate(const request& req);

private:
  struct nonce_state {
    std::uint64_t uses = 0;
    std::uint32_t last_count = 0;  // nc must exceed it
  };

  reply challenge(bool stale);
  std::string challenge_value(std::string_view nonce, bool stale) const;
  // Whether `response` is the digest of the request under these credentials.
  bool digest_matches(const request& req,
                      const std::map<std::string, std::string>& credentials) const;
  // Counts a use of the nonce; nullopt when it may be used, else the challenge to answer.
  std::optional<reply> use_nonce(std::string_view nonce, std::uint32_t count);

  std::string user_;  // lower-cased
  std::string password_;
  digest_algorithm algorithm_;
  bool tricky_challenge_;
  std::uint64_t nonce_uses_;
  std::string opaque_;
  std::unordered_map<std::string, nonce_state> nonces_;
  std::deque<std::string> nonce_order_;  // oldest first, to forget nonces beyond the limit
};

}  // namespace sluice::fakeapi::cloudapp
