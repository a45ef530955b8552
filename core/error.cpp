#include "core/error.hpp"

#include <utility>

namespace sluice {

std::string_view to_string(error_kind kind) noexcept {
  switch (kind) {
    case error_kind::network: return "network";
    case error_kind::timeout: return "timeout";
    case error_kind::throttled: return "throttled";
    case error_kind::auth: return "auth";
    case error_kind::client: return "client";
    case error_kind::server: return "server";
    case error_kind::data: return "data";
    case error_kind::cancelled: return "cancelled";
    case error_kind::config: return "config";
    case error_kind::database: return "database";
  }
  return "unknown";
}

error_kind classify_http_status(unsigned status) noexcept {
  if (status == 401 || status == 403) return error_kind::auth;
  if (status == 429) return error_kind::throttled;
  if (status == 408) return error_kind::timeout;
  if (status >= 500) return error_kind::server;
  if (status >= 400) return error_kind::client;
  return error_kind::data;
}

error::error(error_kind kind, std::string message, unsigned http_status, request_facts facts)
    : error(kind, std::move(message), http_status) {
  facts.body_excerpt = utf8_safe(facts.body_excerpt);
  facts_ = std::make_shared<const request_facts>(std::move(facts));
}

const std::string& error::body_excerpt() const noexcept {
  static const std::string none;
  return facts_ ? facts_->body_excerpt : none;
}

bool is_transient(error_kind kind) noexcept {
  switch (kind) {
    case error_kind::network:
    case error_kind::timeout:
    case error_kind::throttled:
    case error_kind::server: return true;
    default: return false;
  }
}

}  // namespace sluice
