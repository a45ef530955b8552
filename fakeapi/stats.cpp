#include "fakeapi/stats.hpp"

#include "fakeapi/json_writer.hpp"

namespace sluice::fakeapi {

void request_stats::record(std::string_view endpoint, std::string_view target) {
  ++total_;
  auto it = by_endpoint_.find(endpoint);
  if (it == by_endpoint_.end()) it = by_endpoint_.emplace(std::string(endpoint), 0).first;
  ++it->second;
  log_.emplace_back(target);
  if (log_.size() > log_limit_) log_.pop_front();
}

void request_stats::count(std::string_view endpoint) {
  auto it = by_endpoint_.find(endpoint);
  if (it == by_endpoint_.end()) it = by_endpoint_.emplace(std::string(endpoint), 0).first;
  ++it->second;
}

void request_stats::reset() {
  total_ = 0;
  by_endpoint_.clear();
  log_.clear();
}

std::string request_stats::to_json() const {
  json_writer w;
  w.begin_object();
  w.key("total").number(static_cast<std::int64_t>(total_));
  w.key("requests").begin_object();
  for (const auto& [endpoint, count] : by_endpoint_) {
    w.key(endpoint).number(static_cast<std::int64_t>(count));
  }
  w.end_object();
  w.key("log").begin_array();
  for (const auto& target : log_) w.string(target);
  w.end_array();
  w.end_object();
  return w.take();
}

}  // namespace sluice::fakeapi
