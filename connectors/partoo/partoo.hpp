#pragma once
// Partoo: reviews, incremental by update_date; businesses, by modified.
#include <memory>

#include "connectors/connector.hpp"
#include "net/authenticator.hpp"

namespace sluice::connectors::partoo {

std::unique_ptr<connector> make_connector(const source_config& source);
std::shared_ptr<net::authenticator> make_authenticator(const source_config& source);

}  // namespace sluice::connectors::partoo
