// PLACEHOLDER: replaced by the real Partoo connector.
#include <stdexcept>

#include "connectors/partoo/partoo.hpp"
#include "core/tables.hpp"

namespace sluice::connectors::partoo {
namespace {
class placeholder final : public connector {
public:
  std::vector<stream_spec> streams() const override {
    return {{"reviews", &tables::reviews, stream_mode::incremental},
            {"businesses", &tables::businesses, stream_mode::incremental}};
  }
  boost::asio::awaitable<write_totals> run(stream_run&) override {
    throw std::logic_error("placeholder");
  }
  boost::asio::awaitable<std::string> check(net::http_client&, run_counters&) override {
    throw std::logic_error("placeholder");
  }
};
}  // namespace

std::unique_ptr<connector> make_connector(const source_config&) {
  return std::make_unique<placeholder>();
}
std::shared_ptr<net::authenticator> make_authenticator(const source_config& source) {
  return std::make_shared<net::header_key_auth>("x-APIKey", source.api_key);
}
}  // namespace sluice::connectors::partoo
