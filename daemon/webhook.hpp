#pragma once
// Notifications without Prometheus: incident events POSTed as JSON to [alerts] webhook_url, in
// the order they happened, one request per event. Delivery never holds up syncing: events wait
// in a bounded queue served by one coroutine on the I/O thread; a receiver that is down or slow
// is retried with growing pauses for up to `give_up_after`, then the event is dropped with an
// error line (and counted in sluice_alerts_sent_total{result="failed"}).
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>

#include "daemon/incidents.hpp"

namespace sluice::daemon {

struct alerts_options;
class daemon_metrics;

// The body of one event: a Slack- and Mattermost-compatible `text` line, and the same facts as
// fields (event, id, kind, severity, source, stream, summary, resolution, opened_at,
// resolved_at, instance). Every text is redacted: an error message that quotes a vendor's echo of
// a key does not carry it into a chat channel.
std::string webhook_body(const incident_event& event, std::string_view instance);

struct webhook_timing {
  std::chrono::milliseconds first_pause{2'000};  // after the first failed delivery, doubled each
  std::chrono::milliseconds max_pause{120'000};
  std::chrono::milliseconds give_up_after{15 * 60'000};
  std::chrono::milliseconds request_timeout{10'000};  // each network step
  std::size_t max_queued = 1000;  // beyond this the oldest waiting event is dropped
};

class webhook_notifier {
public:
  webhook_notifier(boost::asio::any_io_executor executor, const alerts_options& options,
                   std::string instance, daemon_metrics& metrics, webhook_timing timing = {});
  ~webhook_notifier();
  webhook_notifier(const webhook_notifier&) = delete;
  webhook_notifier& operator=(const webhook_notifier&) = delete;

  // Queues the event when its severity reaches min_severity (and a URL is configured). On the
  // I/O thread; returns at once.
  void post(const incident_event& event);
  // Stops sending: the request in flight is cancelled, waiting events are dropped (logged).
  void shutdown();

private:
  struct state;
  std::shared_ptr<state> state_;
};

}  // namespace sluice::daemon
