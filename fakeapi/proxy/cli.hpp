#pragma once
// The CONNECT proxy's command-line options (--proxy-*).
#include "fakeapi/proxy/options.hpp"

#include <CLI/CLI.hpp>

namespace sluice::fakeapi::proxy {

void add_options(CLI::App& app, options& opts);

}  // namespace sluice::fakeapi::proxy
