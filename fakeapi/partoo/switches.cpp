// The Partoo imitation's switches in their control-API form (see options.hpp).
#include "fakeapi/json_writer.hpp"
#include "fakeapi/partoo/options.hpp"

#include <stdexcept>

namespace sluice::fakeapi::partoo {
namespace {

bool read_bool(const boost::json::value& value, std::string_view key) {
  if (!value.is_bool()) throw std::invalid_argument(std::string(key) + " must be true or false");
  return value.get_bool();
}

}  // namespace

std::optional<deleted_search> parse_deleted_search(std::string_view text) {
  if (text == "hide") return deleted_search::hide;
  if (text == "include") return deleted_search::include;
  return std::nullopt;
}

switch_set with_settings(switch_set current, const boost::json::object& settings) {
  for (const auto& [key, value] : settings) {
    if (key == "deleted_in_search") {
      const auto mode = value.is_string() ? parse_deleted_search(value.get_string()) : std::nullopt;
      if (!mode) throw std::invalid_argument("deleted_in_search must be \"hide\" or \"include\"");
      current.deleted = *mode;
    } else if (key == "extra_states") {
      current.extra_states = read_bool(value, key);
    } else if (key == "reply_threads") {
      current.reply_threads = read_bool(value, key);
    } else if (key == "ignore_per_page") {
      current.ignore_per_page = read_bool(value, key);
    } else if (key == "ignore_order_by") {
      current.ignore_order_by = read_bool(value, key);
    } else if (key == "business_first_page") {
      if (!value.is_int64() || (value.get_int64() != 0 && value.get_int64() != 1)) {
        throw std::invalid_argument("business_first_page must be 0 or 1");
      }
      current.business_first_page = static_cast<int>(value.get_int64());
    } else {
      throw std::invalid_argument("unknown setting '" + std::string(key) + "'");
    }
  }
  return current;
}

std::string to_json(const switch_set& current) {
  json_writer w;
  w.begin_object();
  w.key("deleted_in_search").string(current.deleted == deleted_search::hide ? "hide" : "include");
  w.key("extra_states").boolean(current.extra_states);
  w.key("reply_threads").boolean(current.reply_threads);
  w.key("ignore_per_page").boolean(current.ignore_per_page);
  w.key("ignore_order_by").boolean(current.ignore_order_by);
  w.key("business_first_page").number(current.business_first_page);
  w.end_object();
  return w.take();
}

}  // namespace sluice::fakeapi::partoo
