// The Clevertim connector: one request per resource and run, the answer read one record at a
// time and written in batches, the snapshot completed once the whole answer was read.
#include <spdlog/spdlog.h>

#include <string>
#include <utility>

#include "connectors/clevertim/clevertim.hpp"
#include "connectors/clevertim/mapping.hpp"
#include "connectors/json_body.hpp"
#include "core/error.hpp"
#include "core/secret.hpp"
#include "core/tables.hpp"
#include "net/http_client.hpp"
#include "net/query.hpp"

namespace sluice::connectors::clevertim {

using boost::asio::awaitable;

namespace {

std::string stream_list() {
  std::string names;
  for (const auto& r : resources()) {
    if (!names.empty()) names += ", ";
    names += r.name;
  }
  return names;
}

const resource_info& resource_or_throw(const source_config& source, std::string_view name) {
  const auto* resource = find_resource(name);
  if (resource == nullptr)
    throw error(error_kind::config, "source '" + source.name + "': clevertim has no stream '" +
                                        std::string(name) + "' (streams: " + stream_list() + ")");
  return *resource;
}

// The string of the first `"error": "..."` in `text` (decoded enough for a log line), and where
// the JSON around it starts; the text may be cut off inside the string (http_client keeps 200
// bytes of a body), which is marked with "...".
struct vendor_text {
  std::string text;
  std::size_t json_start;
};

std::optional<vendor_text> find_vendor_text(std::string_view message) {
  for (auto at = message.find("\"error\""); at != std::string_view::npos;
       at = message.find("\"error\"", at + 1)) {
    auto i = at + 7;
    while (i < message.size() && message[i] == ' ') ++i;
    if (i == message.size() || message[i] != ':') continue;
    ++i;
    while (i < message.size() && message[i] == ' ') ++i;
    if (i == message.size() || message[i] != '"') continue;
    std::string text;
    bool closed = false;
    for (++i; i < message.size(); ++i) {
      char c = message[i];
      if (c == '"') {
        closed = true;
        break;
      }
      if (c == '\\' && i + 1 < message.size()) {
        c = message[++i];
        if (c == 'n' || c == 'r' || c == 't') c = ' ';
        else if (c != '"' && c != '\\' && c != '/') text += '\\';
      }
      text += c;
    }
    if (!closed) text += "...";
    auto brace = message.rfind('{', at);
    return vendor_text{std::move(text), brace == std::string_view::npos ? at : brace};
  }
  return std::nullopt;
}

}  // namespace

error with_vendor_message(const error& failure) {
  if (failure.http_status() == 0) return failure;
  std::string_view message = failure.what();
  auto found = find_vendor_text(message);
  if (!found) return failure;
  // "<source>: GET <url>: HTTP 400 Bad Request: {"status":"ERROR",...} (after 2 attempts)"
  // becomes "<source>: GET <url>: HTTP 400 Bad Request: Clevertim error: <text> (after 2
  // attempts)": the vendor's words, without the envelope around them.
  auto prefix = message.substr(0, found->json_start);
  while (!prefix.empty() && (prefix.back() == ' ' || prefix.back() == ':')) prefix.remove_suffix(1);
  std::string rewritten(prefix);
  rewritten += ": Clevertim error: " + found->text;
  for (std::string_view tail : {" (after ", " (gave up after "}) {
    auto at = message.rfind(tail);
    if (at != std::string_view::npos && at > found->json_start && message.back() == ')') {
      rewritten += message.substr(at);
      break;
    }
  }
  return error(failure.kind(), std::move(rewritten), failure.http_status());
}

// Rows are written every batch_rows records: write() resumes once the batch is queued, so the
// writer commits while the rest of the answer is parsed, and memory stays at the body text plus
// about one batch. There is no cursor and no resume: an interrupted snapshot is simply started
// again by the next run (begin_snapshot(false)).
awaitable<void> pull_resource(pull p) {
  const auto& resource = resource_or_throw(p.source, p.resource);
  const account_zone zone(p.source.timezone);
  co_await p.out.begin_snapshot(false);
  const auto url = net::make_url(p.source.base_url, "/" + p.resource);
  net::response answer;
  try {
    answer = co_await p.get(url);
  } catch (const error& e) {
    throw with_vendor_message(e);
  }

  const body_origin origin{p.source.name, url};
  list_body_reader reader(answer.body, answer.header_value("Content-Type"), "content", origin);
  check_envelope(reader.members(), origin, answer.status);

  const auto fresh_batch = [&resource] {
    record_batch batch{resource.table, {}, std::nullopt};
    batch.rows.reserve(batch_rows);
    return batch;
  };
  auto batch = fresh_batch();
  std::size_t batches = 0;
  while (const auto* element = reader.next()) {
    batch.rows.push_back(map_element(resource, *element, reader.count() - 1, origin, p.counters,
                                     zone, reader.text()));
    if (batch.rows.size() == batch_rows) {
      co_await p.out.write(std::exchange(batch, fresh_batch()));
      ++batches;
    }
  }
  if (!batch.rows.empty()) {
    co_await p.out.write(std::move(batch));
    ++batches;
  }

  // An empty list still completes: the store's safety valve, not this loop, decides whether
  // absence means deletion (an empty answer never wipes a table).
  auto result = co_await p.out.complete_snapshot(p.source.max_delete_fraction);
  spdlog::debug("source '{}' {}: {} records in {} batches; snapshot complete: {} seen, {} of {} "
                "live rows vanished, {} marked deleted{}",
                p.source.name, p.resource, reader.count(), batches, result.seen, result.vanished,
                result.live_before, result.deleted,
                result.suspicious ? " (safety valve held)" : "");
}

awaitable<std::string> check_source(std::string source_name, std::string base_url, fetch get) {
  const auto url = net::make_url(base_url, "/customfield");
  net::response answer;
  try {
    answer = co_await get(url);
  } catch (const error& e) {
    throw with_vendor_message(e);
  }
  const body_origin origin{source_name, url};
  list_body_reader reader(answer.body, answer.header_value("Content-Type"), "content", origin);
  check_envelope(reader.members(), origin, answer.status);
  while (reader.next() != nullptr) {
  }
  const auto n = reader.count();
  co_return "authenticated; " + std::to_string(n) + (n == 1 ? " custom field" : " custom fields");
}

net::request resource_get(std::string url) {
  net::request req;
  req.method = "GET";
  req.url = std::move(url);
  req.final_statuses = {500, 501};
  return req;
}

namespace {

fetch fetch_with(net::http_client& http, run_counters& counters) {
  return [&http, &counters](std::string url) {
    return http.send(resource_get(std::move(url)), &counters);
  };
}

class clevertim_connector final : public connector {
public:
  explicit clevertim_connector(const source_config& source)
      : source_name_(source.name), base_url_(source.base_url) {}

  std::vector<stream_spec> streams() const override {
    std::vector<stream_spec> out;
    for (const auto& r : resources())
      out.push_back({std::string(r.name), r.table, stream_mode::snapshot});
    return out;
  }

  awaitable<write_totals> run(stream_run& run) override {
    resource_or_throw(run.source, run.stream);  // before any request or snapshot bookkeeping
    // A named argument, moved: GCC 12 destroys a braced temporary passed by value to a
    // coroutine inside co_await twice (its std::string member crashed `sluice sync`).
    pull p{run.source, run.stream, run.out, run.counters, fetch_with(run.http, run.counters)};
    co_await pull_resource(std::move(p));
    co_return co_await run.out.flush();
  }

  awaitable<std::string> check(net::http_client& http, run_counters& counters) override {
    auto get = fetch_with(http, counters);
    co_return co_await check_source(source_name_, base_url_, std::move(get));
  }

private:
  std::string source_name_;
  std::string base_url_;
};

}  // namespace

std::unique_ptr<connector> make_connector(const source_config& source) {
  return std::make_unique<clevertim_connector>(source);
}

std::shared_ptr<net::authenticator> make_authenticator(const source_config& source) {
  return std::make_shared<net::basic_auth>(source.api_key.reveal(), secret("X"));
}

}  // namespace sluice::connectors::clevertim
