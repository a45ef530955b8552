#pragma once
// A credential. It has no stream operator and no fmt formatter on purpose: printing one is a
// compile error, and reading it takes an explicit reveal() at the one place that sends it.
#include <string>
#include <utility>

namespace sluice {

class secret {
public:
  secret() = default;
  explicit secret(std::string value) : value_(std::move(value)) {}

  const std::string& reveal() const noexcept { return value_; }
  bool empty() const noexcept { return value_.empty(); }

private:
  std::string value_;
};

}  // namespace sluice
