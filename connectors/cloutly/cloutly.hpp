#pragma once
// Cloutly: reviews, a newest-first walk with a periodic full walk (walk.hpp); businesses, a
// snapshot every run. Records become rows in mapping.hpp; the connector and its streams are in
// connector.cpp, the verification in verify.hpp.
#include <memory>

#include "connectors/connector.hpp"
#include "net/authenticator.hpp"

namespace sluice::connectors::cloutly {

std::unique_ptr<connector> make_connector(const source_config& source);

// The `x-api-key` header with the source's api_key, sent verbatim.
std::shared_ptr<net::authenticator> make_authenticator(const source_config& source);

}  // namespace sluice::connectors::cloutly
