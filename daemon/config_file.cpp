#include "daemon/config_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>

#include "core/error.hpp"

namespace sluice::daemon {
namespace {

[[noreturn]] void fail(const std::filesystem::path& file, std::string_view message) {
  throw error(error_kind::config, fmt::format("{}: {}", file.string(), message));
}

// Closes the descriptor on every path out of read_config_text.
struct descriptor {
  int fd;
  ~descriptor() {
    if (fd >= 0) ::close(fd);
  }
};

// Where a lexer of TOML stands: only what matters for counting nesting outside strings.
struct depth_scanner {
  std::size_t line = 1;
  std::size_t depth = 0;     // open [ and { (arrays, inline tables, table headers)
  std::size_t segments = 0;  // dots seen in the current key (before '=' on this line)
  bool in_key = true;        // at the start of a line, before its '='
};

// Skips a string starting at text[i] (the opening quote); returns the index after it, counting
// lines in multi-line strings. An unterminated string ends the scan: the parser reports it.
std::size_t skip_string(std::string_view text, std::size_t i, depth_scanner& s) {
  const char quote = text[i];
  const bool multi = text.substr(i, 3) == std::string_view(quote == '"' ? "\"\"\"" : "'''");
  std::size_t j = i + (multi ? 3 : 1);
  for (; j < text.size(); ++j) {
    if (text[j] == '\n') {
      if (!multi) return j;  // the parser reports the broken string
      ++s.line;
    } else if (quote == '"' && text[j] == '\\') {
      ++j;
    } else if (text[j] == quote &&
               (!multi || text.substr(j, 3).find_first_not_of(quote) == std::string_view::npos)) {
      return j + (multi ? 3 : 1);
    }
  }
  return j;
}

}  // namespace

std::optional<std::string> read_small_file(const std::filesystem::path& file, std::string& why) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  descriptor d{::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
  struct stat st {};
  if (d.fd < 0 || ::fstat(d.fd, &st) != 0) {
    why = std::strerror(errno);
    return std::nullopt;
  }
  const std::string too_large = fmt::format("larger than {} bytes", max_config_bytes);
  if (!S_ISREG(st.st_mode)) {
    why = "not a regular file";
    return std::nullopt;
  }
  std::string text;
  char buffer[8192];
  for (;;) {
    ssize_t n = ::read(d.fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      why = std::strerror(errno);
      return std::nullopt;
    }
    if (n == 0) return text;
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > max_config_bytes) {
      why = too_large;
      return std::nullopt;
    }
  }
}

std::string read_config_text(const std::filesystem::path& file) {
  std::string why;
  auto text = read_small_file(file, why);
  if (!text) fail(file, fmt::format("cannot read configuration file: {}", why));
  return std::move(*text);
}

void check_config_depth(std::string_view text, const std::filesystem::path& file) {
  depth_scanner s;
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '"' || c == '\'') {
      i = skip_string(text, i, s);
      continue;
    }
    if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    if (c == '\n') {
      ++s.line;
      s.segments = 0;
      s.in_key = s.depth == 0 || s.in_key;
    } else if (c == '=') {
      s.in_key = false;
      s.segments = 0;
    } else if (c == '.' && (s.in_key || s.depth > 0)) {
      ++s.segments;
    } else if (c == '[' || c == '{') {
      ++s.depth;
      s.in_key = c == '{' || s.in_key;
    } else if ((c == ']' || c == '}') && s.depth > 0) {
      --s.depth;
    } else if (c == ',' && s.depth > 0) {
      s.segments = 0;
    }
    if (s.depth > max_config_depth || s.segments > max_config_depth)
      fail(file, fmt::format("line {}: keys or values nest deeper than {} levels", s.line,
                             max_config_depth));
    ++i;
  }
}

}  // namespace sluice::daemon
