#pragma once
// The Partoo imitation's command-line options (--partoo-*).
#include "fakeapi/partoo/options.hpp"

#include <CLI/CLI.hpp>

namespace sluice::fakeapi::partoo {

void add_options(CLI::App& app, options& opts);

}  // namespace sluice::fakeapi::partoo
