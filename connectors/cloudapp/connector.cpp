// The CloudApp connector: one snapshot per run over the live and the trash listings. Fetch a
// page, map it (mapping.hpp), let the walk (walk.hpp) decide what comes next, hand the batch to
// the sink, repeat; complete the snapshot once both listings ended without error.
#include <chrono>
#include <string>
#include <utility>

#include "connectors/cloudapp/cloudapp.hpp"
#include "connectors/cloudapp/mapping.hpp"
#include "connectors/cloudapp/walk.hpp"
#include "connectors/json_body.hpp"
#include "core/error.hpp"
#include "core/run_log.hpp"
#include "connectors/cloudapp/tables.hpp"
#include "net/digest_auth.hpp"
#include "net/query.hpp"

namespace sluice::connectors::cloudapp {

using boost::asio::awaitable;

std::string digest_username(std::string_view username) {
  std::string lowered(username);
  for (auto& c : lowered)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return lowered;
}

net::request json_get(std::string url) {
  net::request req;
  req.method = "GET";
  req.url = std::move(url);
  req.headers.push_back({"Accept", "application/json"});
  return req;
}

namespace {

// Each page's batch is written as soon as it is mapped: write() resumes once the batch is queued,
// so the next request overlaps the commit of this one. There is no cursor and no resume: an
// interrupted snapshot is simply started again by the next run (begin_snapshot(false)).
awaitable<void> pull_items(stream_run& run) {
  co_await run.out.begin_snapshot(false);
  // Whole seconds, like the API's own times; only used for trash items that give no time.
  items_walk walk(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  while (!walk.done()) {
    const auto which = walk.current();
    const auto page = walk.page();
    auto url = net::make_url(run.source.base_url, "/items", walk.query());
    auto req = json_get(url);  // named, not a temporary: GCC 12 may destroy a temporary
                               // passed by value into a coroutine twice
    auto answer = co_await run.http.send(std::move(req), &run.counters);
    auto items = read_items_page(answer.body, answer.header_value("Content-Type"),
                                 {run.source.name, url}, run.counters);
    run.log.debug("{} {} items on page {}", items.size(), to_string(which), page);
    if (auto batch = walk.on_page(std::move(items))) co_await run.out.write(std::move(*batch));
  }
  // An empty account still completes: the store's safety valve, not this loop, decides whether
  // absence means deletion (an empty answer never wipes a table).
  auto result = co_await run.out.complete_snapshot(run.source.max_delete_fraction);
  run.log.debug(
      "snapshot complete after {} pages: {} seen, {} of {} live rows vanished, {} marked "
      "deleted{}",
      walk.pages_read(), result.seen, result.vanished, result.live_before, result.deleted,
      result.suspicious ? " (safety valve held)" : "");
}

// Items: a snapshot every run over the live and the trash listings; no cursor.
class items_stream final : public stream {
public:
  items_stream() : stream({"items", &tables::cloudapp_items, stream_mode::snapshot}) {}

  awaitable<std::optional<std::string>> pull(stream_run& run) override {
    co_await pull_items(run);
    co_return std::nullopt;
  }
};

class cloudapp_connector final : public connector {
public:
  explicit cloudapp_connector(const source_config& source)
      : connector("cloudapp"), source_name_(source.name), base_url_(source.base_url) {
    add(std::make_unique<items_stream>());
  }

  // GET /account, then GET /account/stats: "authenticated as ops@example.com; 287 items". The
  // count is left out when /account/stats answers 4xx other than 401/403 or something unusable.
  awaitable<std::string> check(fetcher http, run_counters& counters) override {
    auto url = net::make_url(base_url_, "/account");
    auto req = json_get(url);
    auto answer = co_await http.send(std::move(req), &counters);
    auto account =
        parse_object_body(answer.body, answer.header_value("Content-Type"), {source_name_, url});
    const auto* email = account.if_contains("email");
    std::string text = email != nullptr && email->is_string()
                           ? "authenticated as " + std::string(email->get_string())
                           : std::string("authenticated");

    // The count is a courtesy: credentials were proven above. Rejected credentials, throttling
    // and an unreachable server still fail the check; an endpoint this server lacks does not.
    auto stats_url = net::make_url(base_url_, "/account/stats");
    try {
      auto stats_req = json_get(stats_url);
      auto stats = co_await http.send(std::move(stats_req), &counters);
      auto body = parse_object_body(stats.body, stats.header_value("Content-Type"),
                                    {source_name_, stats_url});
      if (auto items = integer_member(body, "items"))
        text += "; " + std::to_string(*items) + " items";
    } catch (const error& e) {
      if (e.kind() != error_kind::client && e.kind() != error_kind::data) throw;
      // Not a run, but a line about this source: tagged with it like a run's lines.
      run_log(log_tag{source_name_}).debug("no item count from /account/stats: {}", e.what());
    }
    co_return text;
  }

private:
  std::string source_name_;
  std::string base_url_;
};

}  // namespace

std::unique_ptr<connector> make_connector(const source_config& source) {
  return std::make_unique<cloudapp_connector>(source);
}

std::shared_ptr<net::authenticator> make_authenticator(const source_config& source) {
  return std::make_shared<net::digest_auth>(digest_username(source.username), source.password);
}

}  // namespace sluice::connectors::cloudapp
