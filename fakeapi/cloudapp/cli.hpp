#pragma once
// The CloudApp imitation's command-line options (--cloudapp-*).
#include "fakeapi/cloudapp/options.hpp"

#include <CLI/CLI.hpp>

namespace sluice::fakeapi::cloudapp {

void add_options(CLI::App& app, options& opts);

}  // namespace sluice::fakeapi::cloudapp
