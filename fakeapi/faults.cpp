#include "fakeapi/faults.hpp"

#include "fakeapi/json_writer.hpp"

#include <boost/json/serialize.hpp>

#include <stdexcept>

namespace sluice::fakeapi {
namespace {

bool due(std::uint64_t every, std::uint64_t n) { return every != 0 && n % every == 0; }

std::uint64_t read_count(const boost::json::object& object, std::string_view key,
                         std::uint64_t fallback) {
  const auto* value = object.if_contains(key);
  if (value == nullptr || value->is_null()) return fallback;
  if (value->is_uint64()) return value->get_uint64();
  if (value->is_int64() && value->get_int64() >= 0)
    return static_cast<std::uint64_t>(value->get_int64());
  throw std::invalid_argument(std::string(key) + " must be a non-negative integer");
}

unsigned read_status(const boost::json::object& object, std::string_view key, unsigned fallback) {
  const std::uint64_t status = read_count(object, key, fallback);
  if (status < 100 || status > 599)
    throw std::invalid_argument(std::string(key) + " must be 100..599");
  return static_cast<unsigned>(status);
}

}  // namespace

fault_kind fault_for(const fault_config& config, std::uint64_t n) {
  if (due(config.throttle_every, n)) return fault_kind::throttle;
  if (due(config.error_every, n)) return fault_kind::error;
  if (due(config.html_every, n)) return fault_kind::html;
  if (due(config.malformed_every, n)) return fault_kind::malformed;
  return fault_kind::none;
}

fault_config fault_config_from_json(const boost::json::object& object) {
  fault_config config;
  config.throttle_every = read_count(object, "throttle_every", 0);
  if (const auto* value = object.if_contains("retry_after");
      value != nullptr && !value->is_null()) {
    if (value->is_string()) {
      config.retry_after = std::string(value->get_string());
    } else if (value->is_int64() || value->is_uint64()) {
      config.retry_after = boost::json::serialize(*value);
    } else {
      throw std::invalid_argument("retry_after must be a string");
    }
  }
  config.error_every = read_count(object, "error_every", 0);
  config.error_status = read_status(object, "error_status", 503);
  config.slow_ms = read_count(object, "slow_ms", 0);
  config.malformed_every = read_count(object, "malformed_every", 0);
  config.html_every = read_count(object, "html_every", 0);
  config.html_status = read_status(object, "html_status", 502);
  if (const auto* value = object.if_contains("echo_credentials");
      value != nullptr && !value->is_null()) {
    if (!value->is_bool()) throw std::invalid_argument("echo_credentials must be true or false");
    config.echo_credentials = value->get_bool();
  }
  return config;
}

std::string to_json(const fault_config& config) {
  json_writer w;
  w.begin_object();
  w.key("throttle_every").number(static_cast<std::int64_t>(config.throttle_every));
  w.key("retry_after").string(config.retry_after);
  w.key("error_every").number(static_cast<std::int64_t>(config.error_every));
  w.key("error_status").number(config.error_status);
  w.key("slow_ms").number(static_cast<std::int64_t>(config.slow_ms));
  w.key("malformed_every").number(static_cast<std::int64_t>(config.malformed_every));
  w.key("html_every").number(static_cast<std::int64_t>(config.html_every));
  w.key("html_status").number(config.html_status);
  w.key("echo_credentials").boolean(config.echo_credentials);
  w.end_object();
  return w.take();
}

}  // namespace sluice::fakeapi
