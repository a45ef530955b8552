#include "net/tls_context.hpp"

#include <map>
#include <mutex>

#include <boost/asio/ssl/context.hpp>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include "core/error.hpp"

namespace sluice::net {
namespace {

namespace ssl = boost::asio::ssl;

std::shared_ptr<ssl::context> make_context(const std::string& ca_file, const std::string& source) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  ctx->set_default_verify_paths(ec);
  if (ec) spdlog::warn("{}: cannot load the system trust store: {}", source, ec.message());
  if (!ca_file.empty()) {
    ctx->load_verify_file(ca_file, ec);
    if (ec)
      throw error(error_kind::config,
                  source + ": cannot load CA file " + ca_file + ": " + ec.message());
  }
  ctx->set_verify_mode(ssl::verify_peer);
  return ctx;
}

}  // namespace

std::shared_ptr<ssl::context> shared_tls_context(const std::string& ca_file,
                                                 const std::string& source) {
  // Weak entries: a context whose last client is gone (sources removed by a reload) is freed,
  // and a CA file replaced on disk is read again by the clients built after that.
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<ssl::context>> contexts;
  std::lock_guard lock(mutex);
  auto& entry = contexts[ca_file];
  if (auto ctx = entry.lock()) return ctx;
  auto ctx = make_context(ca_file, source);
  entry = ctx;
  return ctx;
}

}  // namespace sluice::net
