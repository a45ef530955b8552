// `sluice check`: is the configuration usable? Reports the database and one authenticated call
// per source, without writing anything.
#include <cstdio>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "daemon/commands.hpp"
#include "daemon/logging.hpp"
#include "daemon/source_runtime.hpp"
#include "store/migrations.hpp"
#include "store/state.hpp"

namespace sluice::daemon {

int run_check(const config& cfg) {
  namespace asio = boost::asio;
  int code = exit_code::ok;
  auto worsen = [&](int c) {
    // unavailable (69) outranks a failed check (1)
    if (c == exit_code::unavailable || code == exit_code::ok) code = c;
  };

  std::printf("config: %s: ok, %zu source(s)\n", cfg.file.c_str(), cfg.sources.size());
  try {
    store::state state(cfg.database);
    std::printf("database: ok: %s, schema %s (this sluice has schema version %d)\n",
                state.server_version().c_str(), cfg.database.schema.c_str(),
                store::latest_version());
  } catch (const error& e) {
    std::printf("database: FAILED: %s\n", redact(e.what()).c_str());
    worsen(exit_code_for(error_kind::database));
  }

  asio::io_context io{1};
  for (const auto& src : cfg.sources) {
    auto rt = make_source_runtime(io.get_executor(), src);
    run_counters counters;
    std::string line;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          try {
            auto what = co_await rt.connector->check(*rt.http, counters);
            line = "ok: " + what;
          } catch (const error& e) {
            line = std::string("FAILED (") + std::string(to_string(e.kind())) + "): " + e.what();
            // An unreachable source is worth retrying later (69); any other refusal is a
            // failed check (1), never a configuration error of the whole file.
            const int c = exit_code_for(e);
            worsen(c == exit_code::unavailable ? c : exit_code::stream_failed);
          }
        },
        [](std::exception_ptr) {});
    io.restart();
    io.run();
    rt.http->shutdown();
    std::printf("source %s (%s, %s): %s\n", src.name.c_str(), src.kind.c_str(),
                redact(src.base_url).c_str(), redact(line).c_str());
  }
  std::fflush(stdout);
  return code;
}

}  // namespace sluice::daemon
