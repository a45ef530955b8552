#pragma once
// How a source proves who it is. One object per source, shared by its streams.
#include <memory>
#include <string>

#include "core/secret.hpp"
#include "net/http.hpp"

namespace sluice::net {

class authenticator {
public:
  virtual ~authenticator() = default;

  // Adds credentials to an outgoing request.
  virtual void apply(request& req) = 0;

  // Called with a 401 answer. Returns true when a retry with renewed credentials may succeed
  // (e.g. a Digest `stale=true` nonce); the client retries at most once per request. The
  // default: a 401 is final.
  virtual bool renew(const response& answer) {
    (void)answer;
    return false;
  }
};

// A fixed header carrying an API key: Partoo `x-APIKey`, Cloutly `x-api-key`.
class header_key_auth final : public authenticator {
public:
  header_key_auth(std::string header_name, secret key)
      : header_name_(std::move(header_name)), key_(std::move(key)) {}
  void apply(request& req) override { req.headers.push_back({header_name_, key_.reveal()}); }

private:
  std::string header_name_;
  secret key_;
};

// HTTP Basic (RFC 7617): Clevertim sends the API token as user name and "X" as password.
class basic_auth final : public authenticator {
public:
  basic_auth(std::string username, secret password);
  void apply(request& req) override { req.headers.push_back({"Authorization", header_.reveal()}); }

private:
  secret header_;  // "Basic base64(user:password)": as secret as the password itself
};

}  // namespace sluice::net
