#pragma once
// CloudApp: one stream, `items`, a snapshot every run: all pages of
// GET /items, then all pages of GET /items?deleted=true (walk.hpp). Records become rows in
// mapping.hpp. Authentication is HTTP Digest (net/digest_auth.hpp).
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "connectors/connector.hpp"
#include "net/authenticator.hpp"
#include "net/http.hpp"

namespace sluice::connectors::cloudapp {

std::unique_ptr<connector> make_connector(const source_config& source);

// HTTP Digest with digest_username(source.username) and source.password.
std::shared_ptr<net::authenticator> make_authenticator(const source_config& source);

// The account e-mail as CloudApp compares it: lower-cased (ASCII; e-mail addresses in practice).
// A configured "Ops@Example.com" would otherwise fail with a 401 that looks like a bad password.
std::string digest_username(std::string_view username);

// A GET of an absolute URL with `Accept: application/json`: without it CloudApp answers HTML.
net::request json_get(std::string url);

}  // namespace sluice::connectors::cloudapp
