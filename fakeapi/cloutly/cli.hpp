#pragma once
// The Cloutly imitation's command-line options (--cloutly-*).
#include "fakeapi/cloutly/options.hpp"

#include <CLI/CLI.hpp>

namespace sluice::fakeapi::cloutly {

void add_options(CLI::App& app, options& opts);

}  // namespace sluice::fakeapi::cloutly
