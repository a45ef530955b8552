#include "fakeapi/control_body.hpp"

#include <charconv>

namespace sluice::fakeapi {

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::uint64_t read_count(const boost::json::value& value, std::string_view what) {
  if (value.is_uint64()) return value.get_uint64();
  if (value.is_int64() && value.get_int64() >= 0)
    return static_cast<std::uint64_t>(value.get_int64());
  throw reply_error(
      json_reply(400, errors_json(std::string(what) + " must be a non-negative integer")));
}

std::uint64_t read_count(const boost::json::object& body, std::string_view key,
                         std::uint64_t fallback) {
  const auto* value = body.if_contains(key);
  if (value == nullptr || value->is_null()) return fallback;
  return read_count(*value, key);
}

void check_added(std::uint64_t count, std::string_view what) {
  if (count > max_added_per_mutation) {
    throw reply_error(json_reply(400, errors_json(std::string(what) + " must be at most 1000000")));
  }
}

std::optional<std::string_view> read_word(const boost::json::object& body, std::string_view key) {
  const auto* value = body.if_contains(key);
  if (value == nullptr || value->is_null()) return std::nullopt;
  if (!value->is_string())
    throw reply_error(json_reply(400, errors_json(std::string(key) + " must be a string")));
  return std::string_view(value->get_string());
}

void write_ids(json_writer& w, std::string_view key, const std::vector<std::int64_t>& ids) {
  w.key(key).begin_array();
  for (const auto id : ids) w.number(id);
  w.end_array();
}

void write_ids(json_writer& w, std::string_view key, const std::vector<std::uint64_t>& ids) {
  w.key(key).begin_array();
  for (const auto id : ids) w.number(static_cast<std::int64_t>(id));
  w.end_array();
}

void write_ids(json_writer& w, std::string_view key, const std::vector<std::string>& ids) {
  w.key(key).begin_array();
  for (const auto& id : ids) w.string(id);
  w.end_array();
}

}  // namespace sluice::fakeapi
