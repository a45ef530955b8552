// The configuration file is operator input: whatever it holds, load_config either returns a
// configuration or throws sluice::error naming the file. Anything else (a crash, another
// exception type, a hang) is a bug. The input goes through a real file, as in production.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "core/error.hpp"
#include "core/redaction.hpp"
#include "daemon/config.hpp"

namespace {

std::string scratch_file() {
  return "/tmp/sluice-config-fuzz-" + std::to_string(::getpid()) + ".toml";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = scratch_file();
  if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  try {
    (void)sluice::daemon::load_config(path);
  } catch (const sluice::error&) {
  }
  // Loading registers the file's secrets for redaction, and a process keeps what it once knew;
  // one input's secrets must not pile up over millions of runs of this one process.
  sluice::forget_registered_secrets();
  return 0;
}
