#pragma once
// CloudApp (shared/apis/cloudapp.md): one stream, `items`, a snapshot every run: all pages of
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

// The run loops behind connector::run and connector::check, with the network passed in as `send`
// (http_client::send in production) so tests drive them against canned answers.

// Sends one request; returns the 2xx answer or throws sluice::error.
using fetch = std::function<boost::asio::awaitable<net::response>(net::request req)>;

struct pull {
  const source_config& source;
  sink& out;
  run_counters& counters;
  fetch send;
};

// One snapshot: begin_snapshot(false), every page of both listings written as it arrives (items
// of the trash listing trashed, at the time this run started when they say no time), then
// complete_snapshot(source.max_delete_fraction). An exception on the way leaves the snapshot
// open (nothing is marked deleted; the next run starts a new one).
boost::asio::awaitable<void> pull_items(pull p);

// GET /account, then GET /account/stats: "authenticated as ops@example.com; 287 items". The count
// is left out when /account/stats answers 4xx other than 401/403 or something unusable.
boost::asio::awaitable<std::string> check_source(std::string source_name, std::string base_url,
                                                 fetch send);

}  // namespace sluice::connectors::cloudapp
