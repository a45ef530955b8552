#include "core/error.hpp"

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
