// A WWW-Authenticate header is the server's text. Whatever challenge parses must also yield an
// Authorization header without failing.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "net/digest_auth.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view header(reinterpret_cast<const char*>(data), size);
  if (auto challenge = sluice::net::parse_digest_challenge(header))
    (void)sluice::net::digest_authorization(*challenge, "ops@example.com", "secret", "GET",
                                            "/items?page=1", 1, "0a4f113b");
  return 0;
}
