#pragma once
// HTTP Digest authentication (RFC 7616, which covers RFC 2617): qop=auth, MD5 and SHA-256,
// client nonce, increasing nonce count, opaque echoed. The current server nonce is reused for
// following requests, so a sync pays the challenge round trip once, not per request.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/secret.hpp"
#include "net/authenticator.hpp"

namespace sluice::net {

// One `Digest ...` challenge of a WWW-Authenticate header.
struct digest_challenge {
  std::string realm;
  std::string nonce;
  std::string opaque;             // echoed when present
  std::string algorithm = "MD5";  // MD5, MD5-sess, SHA-256, SHA-256-sess
  std::vector<std::string> qop;   // offered qop values ("auth", "auth-int")
  bool stale = false;
  bool userhash = false;
};

// Parses a WWW-Authenticate value that may hold several challenges (`Basic realm="x", Digest
// realm="y", nonce="..."`), quoted strings with escapes and commas, tokens in any case, extra
// whitespace. Returns the first Digest challenge with an algorithm we support (preferring
// SHA-256 over MD5 when both are offered), or nullopt.
std::optional<digest_challenge> parse_digest_challenge(std::string_view www_authenticate);

// The Authorization header value for one request (pure, so RFC 7616 test vectors can check it).
std::string digest_authorization(const digest_challenge& challenge, std::string_view username,
                                 std::string_view password, std::string_view method,
                                 std::string_view uri, std::uint32_t nonce_count,
                                 std::string_view cnonce);

class digest_auth final : public authenticator {
public:
  // `username` is sent as given: callers normalise it the way the server compares it (CloudApp:
  // the account e-mail, lower-cased).
  digest_auth(std::string username, secret password);

  // Adds `Authorization: Digest ...` once a challenge is known (nothing before the first 401).
  void apply(request& req) override;

  // True (resend once) on the first challenge, or when the server says the nonce is stale;
  // false for a plain 401 after our credentials were sent: wrong credentials never loop.
  // Also true for the 401 of a request that left without credentials while another request
  // was fetching the first challenge (streams sharing this authenticator start together).
  // Looks at every WWW-Authenticate header of the answer.
  bool renew(const response& answer) override;

private:
  std::string username_;
  secret password_;
  std::optional<digest_challenge> challenge_;
  std::uint32_t nonce_count_ = 0;
  // Requests sent without credentials (no challenge known yet) whose 401 has not come back:
  // streams sharing this authenticator may all start before the first challenge arrives.
  std::uint32_t unanswered_anonymous_ = 0;
};

}  // namespace sluice::net
