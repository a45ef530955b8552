#include "tests/support/fakeapi.hpp"

#include <csignal>
#include <stdexcept>

#include <boost/json.hpp>

#include "tests/support/harness.hpp"
#include "tests/support/http.hpp"

namespace sluice::test {

fakeapi::fakeapi(const std::vector<std::string>& options) {
  dir_ = make_temp_dir("fakeapi");
  cert_file_ = dir_ / "fake-ca.pem";
  std::vector<std::string> argv{SLUICE_FAKEAPI_BINARY, "--cert-out", cert_file_.string()};
  argv.insert(argv.end(), options.begin(), options.end());
  process_ = std::make_unique<child>(argv);
  std::string seen;
  for (;;) {
    auto line = process_->read_line(std::chrono::seconds{60});
    if (!line) throw std::runtime_error("sluice-fakeapi did not start: " + seen);
    seen += *line + "\n";
    if (line->rfind("listening http ", 0) == 0)
      http_port_ = std::stoi(line->substr(line->rfind(':') + 1));
    else if (line->rfind("listening https ", 0) == 0)
      https_port_ = std::stoi(line->substr(line->rfind(':') + 1));
    else if (*line == "ready")
      break;
  }
  if (http_port_ == 0) throw std::runtime_error("sluice-fakeapi printed no http port: " + seen);
}

fakeapi::~fakeapi() {
  process_->kill(SIGTERM);
  process_->wait(std::chrono::seconds{10});
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string fakeapi::http_url(const std::string& prefix) const {
  return "http://127.0.0.1:" + std::to_string(http_port_) + prefix;
}
std::string fakeapi::https_url(const std::string& prefix) const {
  return "https://127.0.0.1:" + std::to_string(https_port_) + prefix;
}

boost::json::value fakeapi::get(const std::string& target) {
  auto reply = http_request(http_port_, "GET", target);
  if (reply.status != 200)
    throw std::runtime_error("GET " + target + ": " + std::to_string(reply.status) + " " +
                             reply.body);
  return boost::json::parse(reply.body);
}

boost::json::value fakeapi::post(const std::string& target, const std::string& body) {
  auto reply = http_request(http_port_, "POST", target, body);
  if (reply.status != 200)
    throw std::runtime_error("POST " + target + ": " + std::to_string(reply.status) + " " +
                             reply.body);
  if (reply.body.empty()) return nullptr;
  return boost::json::parse(reply.body);
}

std::int64_t fakeapi::requests(const std::string& endpoint) {
  auto stats = get("/_control/stats");
  const auto& reqs = stats.at("requests").as_object();
  auto it = reqs.find(endpoint);
  return it == reqs.end() ? 0 : it->value().to_number<std::int64_t>();
}

std::vector<std::string> fakeapi::request_log() {
  std::vector<std::string> out;
  auto stats = get("/_control/stats");
  for (const auto& v : stats.at("log").as_array()) out.emplace_back(v.as_string().c_str());
  return out;
}

void fakeapi::reset_stats() { post("/_control/stats/reset", ""); }
void fakeapi::set_faults(const std::string& json) { post("/_control/faults", json); }

}  // namespace sluice::test
