#include "connectors/verification.hpp"

#include "connectors/connector.hpp"

namespace sluice::connectors {

std::string_view to_string(verify_outcome outcome) noexcept {
  switch (outcome) {
    case verify_outcome::matched: return "matched";
    case verify_outcome::repaired: return "repaired";
    case verify_outcome::drift: return "drift";
    case verify_outcome::unsupported: return "unsupported";
  }
  return "unsupported";
}

}  // namespace sluice::connectors
