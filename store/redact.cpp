#include "store/redact.hpp"

#include "core/redaction.hpp"

namespace sluice::store {

std::string redact_secrets(std::string_view message, std::string_view url) {
  // The URL's password is a secret this process knows: registering it (idempotent) also protects
  // every later message, wherever it leaves.
  register_database_url(url);
  return redact(message);
}

std::string quote_identifier(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out += '"';
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace sluice::store
