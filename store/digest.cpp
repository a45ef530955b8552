#include "store/digest.hpp"

#include <cstring>
#include <memory>
#include <stdexcept>

#include <openssl/evp.h>

namespace sluice::store {
namespace {

using digest = std::array<unsigned char, 32>;

// One context per thread, reused: EVP_Digest() would allocate a context (and look the algorithm
// up) on every call, which shows at a million rows.
struct sha256_context {
  std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)> md{EVP_MD_fetch(nullptr, "SHA256", nullptr),
                                                     &EVP_MD_free};
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), &EVP_MD_CTX_free};

  digest operator()(std::string_view data) {
    if (!md || !ctx) throw std::runtime_error("OpenSSL has no SHA-256");
    digest out{};
    unsigned int length = 0;
    if (EVP_DigestInit_ex(ctx.get(), md.get(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(ctx.get(), out.data(), &length) != 1 || length != out.size())
      throw std::runtime_error("SHA-256 failed");
    return out;
  }
};

digest sha256(std::string_view data) {
  thread_local sha256_context context;
  return context(data);
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (unsigned char b : sha256(data)) {
    out += hex[b >> 4];
    out += hex[b & 0xf];
  }
  return out;
}

std::int64_t advisory_lock_key(std::string_view name) {
  digest d = sha256(name);
  std::uint64_t key = 0;
  for (int i = 0; i < 8; ++i) key = (key << 8) | d[i];
  std::int64_t signed_key;
  std::memcpy(&signed_key, &key, sizeof key);
  return signed_key;
}

content_hash hash_content(std::string_view data) {
  digest d = sha256(data);
  content_hash out;
  std::memcpy(out.data(), d.data(), out.size());
  return out;
}

}  // namespace sluice::store
