#pragma once
// A running sluice-fakeapi on 127.0.0.1 (ephemeral ports, generated certificate).
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "tests/support/process.hpp"

namespace sluice::test {

class fakeapi {
public:
  // Extra options are passed through (e.g. {"--partoo-reviews", "500"}); waits for "ready".
  explicit fakeapi(const std::vector<std::string>& options = {});
  ~fakeapi();

  int http_port() const { return http_port_; }
  int https_port() const { return https_port_; }
  const std::filesystem::path& cert_file() const { return cert_file_; }

  std::string http_url(const std::string& prefix) const;   // "http://127.0.0.1:P" + prefix
  std::string https_url(const std::string& prefix) const;  // "https://127.0.0.1:P" + prefix

  boost::json::value get(const std::string& target);
  boost::json::value post(const std::string& target, const std::string& body);

  std::int64_t requests(const std::string& endpoint);  // from /_control/stats
  std::vector<std::string> request_log();
  void reset_stats();
  void set_faults(const std::string& json);

  child& process() { return *process_; }

private:
  std::unique_ptr<child> process_;
  std::filesystem::path dir_;
  std::filesystem::path cert_file_;
  int http_port_ = 0;
  int https_port_ = 0;
};

}  // namespace sluice::test
