#include <openssl/evp.h>

#include "net/authenticator.hpp"

namespace sluice::net {

basic_auth::basic_auth(std::string username, secret password) {
  std::string plain = username + ":" + password.reveal();
  std::string encoded(4 * ((plain.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                reinterpret_cast<const unsigned char*>(plain.data()),
                                static_cast<int>(plain.size()));
  encoded.resize(static_cast<std::size_t>(n));
  header_ = secret("Basic " + encoded);
  std::fill(plain.begin(), plain.end(), '\0');
}

}  // namespace sluice::net
