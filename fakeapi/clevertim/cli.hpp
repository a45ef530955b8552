#pragma once
// The Clevertim imitation's command-line options (--clevertim-*).
#include "fakeapi/clevertim/options.hpp"

#include <CLI/CLI.hpp>

namespace sluice::fakeapi::clevertim {

void add_options(CLI::App& app, options& opts);

}  // namespace sluice::fakeapi::clevertim
