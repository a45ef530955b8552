#pragma once
// The kinds of option the fake's command line takes, on CLI11, with the ranges every vendor's
// options share; each vendor adds its own (<vendor>/cli.hpp).
#include <CLI/CLI.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace sluice::fakeapi {

// A number of generated records: 0 to 100,000,000 (more would not fit in memory anyway).
inline CLI::Option* add_size(CLI::App& app, const std::string& name, std::size_t& target,
                             const std::string& help, std::size_t min = 0) {
  return app.add_option(name, target, help)
      ->check(CLI::Range(min, std::size_t{100'000'000}))
      ->type_name("N")
      ->capture_default_str();
}

// A 64-bit count (every Nth request, a seed); 0 usually disables.
inline CLI::Option* add_count(CLI::App& app, const std::string& name, std::uint64_t& target,
                              const std::string& help) {
  return app.add_option(name, target, help)->type_name("N")->capture_default_str();
}

inline CLI::Option* add_text(CLI::App& app, const std::string& name, std::string& target,
                             const std::string& help, const std::string& value_name) {
  return app.add_option(name, target, help)->type_name(value_name)->capture_default_str();
}

// `--name` turns it on, `--name=false` off (for switches that default to on).
inline CLI::Option* add_switch(CLI::App& app, const std::string& name, bool& target,
                               const std::string& help) {
  return app.add_flag(name, target, help);
}

}  // namespace sluice::fakeapi
