#pragma once
// Reading a configuration file safely, before TOML parsing: only a regular file (a FIFO would
// block, /dev/zero would never end), at most max_config_bytes, and no nesting deeper than
// max_config_depth (toml++ parses keys and nested arrays recursively: a dotted key of tens of
// thousands of segments exhausts the stack).
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::daemon {

inline constexpr std::size_t max_config_bytes = 1 << 20;
inline constexpr std::size_t max_config_depth = 64;

// A regular file of at most max_config_bytes (the configuration, or a secret's *_file); nullopt
// with the reason in `why` ("not a regular file", strerror text, ...) otherwise.
std::optional<std::string> read_small_file(const std::filesystem::path& file, std::string& why);

// The configuration's text. Throws sluice::error (kind config) naming the file when
// read_small_file refuses it.
std::string read_config_text(const std::filesystem::path& file);

// Throws sluice::error (kind config) naming `file` and the line where a key has more than
// max_config_depth dotted segments or arrays/inline tables nest deeper than that.
void check_config_depth(std::string_view text, const std::filesystem::path& file);

}  // namespace sluice::daemon
