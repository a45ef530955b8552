#include "daemon/verify_pass.hpp"

#include <spdlog/spdlog.h>

namespace sluice::daemon {

boost::asio::awaitable<void> run_verify_pass(verify_context& ctx, verify_pass pass) {
  const auto& src = *pass.source.config;
  for (const auto& spec : pass.streams) {
    if (!pass.keep_going()) co_return;
    if (spec.mode == connectors::stream_mode::incremental) {
      std::optional<std::string> cursor;
      try {
        cursor = co_await ctx.run.db.run([&] { return ctx.run.state.cursor(src.name, spec.name); });
      } catch (const std::exception& e) {
        spdlog::warn("{}/{}: verification skipped: {}", src.name, spec.name, e.what());
        continue;
      }
      if (!cursor) {
        spdlog::debug("{}/{}: verification skipped: not pulled yet", src.name, spec.name);
        continue;
      }
    }
    verify_request request{pass.source, spec, false, true, pass.full_walk(spec.name)};
    auto result = co_await verify_stream(ctx, std::move(request));
    pass.on_result(spec.name, result);
  }
}

}  // namespace sluice::daemon
