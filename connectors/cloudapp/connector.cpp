// The CloudApp connector: one snapshot per run over the live and the trash listings. Fetch a
// page, map it (mapping.hpp), let the walk (walk.hpp) decide what comes next, hand the batch to
// the sink, repeat; complete the snapshot once both listings ended without error.
#include <spdlog/spdlog.h>

#include <chrono>
#include <string>
#include <utility>

#include "connectors/cloudapp/cloudapp.hpp"
#include "connectors/cloudapp/mapping.hpp"
#include "connectors/cloudapp/walk.hpp"
#include "connectors/json_body.hpp"
#include "core/error.hpp"
#include "core/tables.hpp"
#include "net/digest_auth.hpp"
#include "net/http_client.hpp"
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

// Each page's batch is written as soon as it is mapped: write() resumes once the batch is queued,
// so the next request overlaps the commit of this one. There is no cursor and no resume: an
// interrupted snapshot is simply started again by the next run (begin_snapshot(false)).
awaitable<void> pull_items(pull p) {
  co_await p.out.begin_snapshot(false);
  // Whole seconds, like the API's own times; only used for trash items that give no time.
  items_walk walk(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  while (!walk.done()) {
    const auto which = walk.current();
    const auto page = walk.page();
    auto url = net::make_url(p.source.base_url, "/items", walk.query());
    auto answer = co_await p.send(json_get(url));
    auto items = read_items_page(answer.body, answer.header_value("Content-Type"),
                                 {p.source.name, url}, p.counters);
    spdlog::debug("source '{}' items: {} {} items on page {}", p.source.name, items.size(),
                  to_string(which), page);
    if (auto batch = walk.on_page(std::move(items))) co_await p.out.write(std::move(*batch));
  }
  // An empty account still completes: the store's safety valve, not this loop, decides whether
  // absence means deletion (an empty answer never wipes a table).
  auto result = co_await p.out.complete_snapshot(p.source.max_delete_fraction);
  spdlog::debug("source '{}' items: snapshot complete after {} pages: {} seen, {} of {} live rows "
                "vanished, {} marked deleted{}",
                p.source.name, walk.pages_read(), result.seen, result.vanished,
                result.live_before, result.deleted, result.suspicious ? " (safety valve held)" : "");
}

awaitable<std::string> check_source(std::string source_name, std::string base_url, fetch send) {
  auto url = net::make_url(base_url, "/account");
  auto answer = co_await send(json_get(url));
  auto account = parse_object_body(answer.body, answer.header_value("Content-Type"),
                                   {source_name, url});
  const auto* email = account.if_contains("email");
  std::string text = email != nullptr && email->is_string()
                         ? "authenticated as " + std::string(email->get_string())
                         : std::string("authenticated");

  // The count is a courtesy: credentials were proven above. Rejected credentials, throttling and
  // an unreachable server still fail the check; an endpoint this server lacks does not.
  auto stats_url = net::make_url(base_url, "/account/stats");
  try {
    auto stats = co_await send(json_get(stats_url));
    auto body = parse_object_body(stats.body, stats.header_value("Content-Type"),
                                  {source_name, stats_url});
    if (auto items = integer_member(body, "items")) text += "; " + std::to_string(*items) + " items";
  } catch (const error& e) {
    if (e.kind() != error_kind::client && e.kind() != error_kind::data) throw;
    spdlog::debug("source '{}': no item count from /account/stats: {}", source_name, e.what());
  }
  co_return text;
}

namespace {

fetch send_with(net::http_client& http, run_counters& counters) {
  return [&http, &counters](net::request req) { return http.send(std::move(req), &counters); };
}

class cloudapp_connector final : public connector {
public:
  explicit cloudapp_connector(const source_config& source)
      : source_name_(source.name), base_url_(source.base_url) {}

  std::vector<stream_spec> streams() const override {
    return {{"items", &tables::cloudapp_items, stream_mode::snapshot}};
  }

  awaitable<write_totals> run(stream_run& run) override {
    if (run.stream != "items")
      throw error(error_kind::config, "source '" + run.source.name +
                                          "': cloudapp has no stream '" + run.stream +
                                          "' (streams: items)");
    // A named variable, not a braced temporary: GCC 12 destroys a braced temporary passed by
    // value into a coroutine inside co_await twice.
    pull p{run.source, run.out, run.counters, send_with(run.http, run.counters)};
    co_await pull_items(std::move(p));
    co_return co_await run.out.flush();
  }

  awaitable<std::string> check(net::http_client& http, run_counters& counters) override {
    co_return co_await check_source(source_name_, base_url_, send_with(http, counters));
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
