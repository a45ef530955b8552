#include "daemon/webhook.hpp"

#include <deque>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/redaction.hpp"
#include "daemon/config.hpp"
#include "daemon/daemon_metrics.hpp"
#include "net/http_client.hpp"
#include "net/token_bucket.hpp"

namespace sluice::daemon {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

std::string utc(std::chrono::system_clock::time_point t) {
  return format_timestamp(std::chrono::time_point_cast<duration>(t));
}

std::string headline(const incident_event& e) {
  const auto& i = e.what;
  if (e.resolved) return fmt::format("[sluice] RESOLVED {}: {}", i.id(), e.resolution);
  return fmt::format("[sluice] {} {}: {}",
                     i.level == severity::critical  ? "CRITICAL"
                     : i.level == severity::warning ? "WARNING"
                                                    : "INFO",
                     i.id(), i.summary);
}

}  // namespace

std::string webhook_body(const incident_event& e, std::string_view instance) {
  const auto& i = e.what;
  json::object o;
  o["text"] = redact(headline(e));
  o["event"] = e.resolved ? "resolved" : "open";
  o["id"] = redact(i.id());
  o["kind"] = to_string(i.kind);
  o["severity"] = to_string(i.level);
  o["source"] = redact(i.source);
  o["stream"] = redact(i.stream);
  o["summary"] = redact(i.summary);
  o["resolution"] = redact(e.resolution);
  o["opened_at"] = utc(i.opened_at);
  o["resolved_at"] = e.resolved ? json::value(utc(e.at)) : json::value(nullptr);
  o["instance"] = redact(std::string(instance));
  return json::serialize(o);
}

struct webhook_notifier::state {
  struct queued {
    std::string id;
    std::string body;
    std::chrono::steady_clock::time_point deadline;
  };

  state(asio::any_io_executor ex, const alerts_options& options, std::string inst,
        daemon_metrics& m, webhook_timing t)
      : executor(ex),
        url(options.webhook_url.reveal()),
        threshold(severity_named(options.min_severity)),
        instance(std::move(inst)),
        metrics(m),
        timing(t),
        pause(ex) {}

  asio::awaitable<void> serve();
  asio::awaitable<bool> deliver(const queued& item);
  void count(const char* result, std::size_t n = 1);

  asio::any_io_executor executor;
  std::string url;
  severity threshold;
  std::string instance;
  daemon_metrics& metrics;
  webhook_timing timing;
  std::unique_ptr<net::http_client> client;
  asio::steady_timer pause;
  std::deque<queued> queue;
  bool serving = false;
  bool stopped = false;
};

void webhook_notifier::state::count(const char* result, std::size_t n) {
  for (std::size_t k = 0; k < n; ++k) metrics.on_alert(result);
}

// One event at a time, in order: an "open" is never overtaken by its own "resolved".
asio::awaitable<void> webhook_notifier::state::serve() {
  while (!queue.empty() && !stopped) {
    const queued item = queue.front();  // shutdown() may clear the queue meanwhile
    const bool sent = co_await deliver(item);
    if (stopped) break;
    count(sent ? "sent" : "failed");
    queue.pop_front();
  }
  serving = false;
}

// Failures are described by kind and status only: the URL (a secret, token in its path) and the
// receiver's body stay out of the log.
asio::awaitable<bool> webhook_notifier::state::deliver(const queued& item) {
  auto wait = timing.first_pause;
  for (int attempt = 1;; ++attempt) {
    try {
      net::request req;
      req.method = "POST";
      req.url = url;
      req.headers = {{"Content-Type", "application/json"}};
      req.body = item.body;
      co_await client->send(std::move(req));
      if (attempt > 1) spdlog::info("alerts webhook: {} delivered (attempt {})", item.id, attempt);
      co_return true;
    } catch (const error& e) {
      if (stopped) co_return false;
      const auto why = e.http_status() ? fmt::format("HTTP {}", e.http_status())
                                       : std::string(to_string(e.kind()));
      const bool give_up =
          !is_transient(e.kind()) || std::chrono::steady_clock::now() + wait > item.deadline;
      if (give_up) {
        spdlog::error("alerts webhook: {} not delivered after {} attempt(s) ({}); dropped", item.id,
                      attempt, why);
        co_return false;
      }
      if (attempt == 1)
        spdlog::warn("alerts webhook: {} not delivered ({}); retrying for up to {}", item.id, why,
                     format_duration(std::chrono::duration_cast<duration>(timing.give_up_after)));
    }
    pause.expires_after(wait);
    boost::system::error_code ec;
    co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (stopped) co_return false;
    wait = std::min(wait * 2, timing.max_pause);
  }
}

webhook_notifier::webhook_notifier(asio::any_io_executor executor, const alerts_options& options,
                                   std::string instance, daemon_metrics& metrics,
                                   webhook_timing timing)
    : state_(std::make_shared<state>(executor, options, std::move(instance), metrics, timing)) {
  if (state_->url.empty()) return;
  net::client_options co;
  co.source = "alerts webhook";
  co.timeouts = net::timeouts::uniform(timing.request_timeout);
  co.body_limit = 1u << 20;
  co.retry.max_attempts = 1;  // the notifier's own pauses are longer than a source's retries
  co.max_connections_per_origin = 1;
  state_->client = std::make_unique<net::http_client>(
      executor, co, std::make_shared<net::token_bucket>(5.0, 5.0), nullptr);
}

webhook_notifier::~webhook_notifier() { shutdown(); }

void webhook_notifier::post(const incident_event& event) {
  auto& s = *state_;
  if (!s.client || s.stopped || event.what.level < s.threshold) return;
  if (s.queue.size() >= s.timing.max_queued) {
    // The one being delivered stays; the oldest waiting one goes.
    spdlog::error("alerts webhook: {} events waiting; dropping {}", s.queue.size(),
                  s.queue[s.queue.size() > 1 ? 1 : 0].id);
    s.queue.erase(s.queue.begin() + (s.queue.size() > 1 ? 1 : 0));
    s.count("dropped");
  }
  s.queue.push_back({event.what.id() + (event.resolved ? " (resolved)" : " (open)"),
                     webhook_body(event, s.instance),
                     std::chrono::steady_clock::now() + s.timing.give_up_after});
  if (s.serving) return;
  s.serving = true;
  // The coroutine keeps the state alive if the notifier is destroyed while it delivers.
  asio::co_spawn(
      s.executor, [st = state_]() -> asio::awaitable<void> { co_await st->serve(); },
      asio::detached);
}

void webhook_notifier::shutdown() {
  auto& s = *state_;
  if (s.stopped) return;
  s.stopped = true;
  if (!s.queue.empty())
    spdlog::warn("alerts webhook: stopping with {} event(s) not delivered", s.queue.size());
  s.count("dropped", s.queue.size());
  s.queue.clear();
  s.pause.cancel();
  if (s.client) s.client->shutdown();
}

}  // namespace sluice::daemon
