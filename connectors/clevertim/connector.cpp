// The Clevertim connector: one request per resource and run, the answer read one record at a
// time and written in batches, the snapshot completed once the whole answer was read.
#include <string>
#include <utility>

#include "connectors/clevertim/clevertim.hpp"
#include "connectors/clevertim/mapping.hpp"
#include "connectors/json_body.hpp"
#include "core/error.hpp"
#include "core/secret.hpp"
#include "connectors/clevertim/tables.hpp"
#include "net/query.hpp"

namespace sluice::connectors::clevertim {

using boost::asio::awaitable;

namespace {

// The string of the first `"error": "..."` in a body excerpt (decoded enough for a log line),
// and where the JSON around it starts; the text may be cut off inside the string (http_client
// keeps 200 bytes of a body), which is marked with "...".
struct vendor_text {
  std::string text;
  std::size_t json_start;
};

std::optional<vendor_text> find_vendor_text(std::string_view excerpt) {
  for (auto at = excerpt.find("\"error\""); at != std::string_view::npos;
       at = excerpt.find("\"error\"", at + 1)) {
    auto i = at + 7;
    while (i < excerpt.size() && excerpt[i] == ' ') ++i;
    if (i == excerpt.size() || excerpt[i] != ':') continue;
    ++i;
    while (i < excerpt.size() && excerpt[i] == ' ') ++i;
    if (i == excerpt.size() || excerpt[i] != '"') continue;
    std::string text;
    bool closed = false;
    for (++i; i < excerpt.size(); ++i) {
      char c = excerpt[i];
      if (c == '"') {
        closed = true;
        break;
      }
      if (c == '\\' && i + 1 < excerpt.size()) {
        c = excerpt[++i];
        if (c == 'n' || c == 'r' || c == 't')
          c = ' ';
        else if (c != '"' && c != '\\' && c != '/')
          text += '\\';
      }
      text += c;
    }
    if (!closed) text += "...";
    auto brace = excerpt.rfind('{', at);
    return vendor_text{std::move(text), brace == std::string_view::npos ? at : brace};
  }
  return std::nullopt;
}

}  // namespace

error with_vendor_message(const error& failure) {
  if (failure.http_status() == 0) return failure;
  const std::string& excerpt = failure.body_excerpt();
  auto found = find_vendor_text(excerpt);
  if (!found) return failure;
  // "<source>: GET <url>: HTTP 400 Bad Request: {"status":"ERROR",...} (after 2 attempts)"
  // becomes "<source>: GET <url>: HTTP 400 Bad Request: Clevertim error: <text> (after 2
  // attempts)": the vendor's words, without the envelope around them. The excerpt is the
  // error's field; what follows it in the message (the attempt note) is kept as it is.
  std::string_view message = failure.what();
  const std::string quoted = ": " + excerpt;
  const auto at = message.rfind(quoted);
  if (at == std::string_view::npos) return failure;
  auto prefix = message.substr(0, at + 2 + found->json_start);
  while (!prefix.empty() && (prefix.back() == ' ' || prefix.back() == ':')) prefix.remove_suffix(1);
  std::string rewritten(prefix);
  rewritten += ": Clevertim error: " + found->text;
  rewritten += message.substr(at + quoted.size());
  return error(failure.kind(), std::move(rewritten), failure.http_status(),
               request_facts{failure.attempts(), excerpt});
}

net::request resource_get(std::string url) {
  net::request req;
  req.method = "GET";
  req.url = std::move(url);
  req.final_statuses = {500, 501};
  return req;
}

namespace {

// Rows are written every batch_rows records: write() resumes once the batch is queued, so the
// writer commits while the rest of the answer is parsed, and memory stays at the body text plus
// about one batch. There is no cursor and no resume: an interrupted snapshot is simply started
// again by the next run (begin_snapshot(false)).
awaitable<void> pull_resource(stream_run& run, const resource_info& resource) {
  const account_zone zone(run.source.timezone);
  co_await run.out.begin_snapshot(false);
  const auto url = net::make_url(run.source.base_url, "/" + std::string(resource.name));
  net::response answer;
  try {
    auto req = resource_get(url);  // named: GCC 12 may destroy a temporary twice
    answer = co_await run.http.send(std::move(req), &run.counters);
  } catch (const error& e) {
    throw with_vendor_message(e);
  }

  const body_origin origin{run.source.name, url};
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
    batch.rows.push_back(map_element(resource, *element, reader.count() - 1, origin, run.counters,
                                     zone, reader.text()));
    if (batch.rows.size() == batch_rows) {
      co_await run.out.write(std::exchange(batch, fresh_batch()));
      ++batches;
    }
  }
  if (!batch.rows.empty()) {
    co_await run.out.write(std::move(batch));
    ++batches;
  }

  // An empty list still completes: the store's safety valve, not this loop, decides whether
  // absence means deletion (an empty answer never wipes a table).
  auto result = co_await run.out.complete_snapshot(run.source.max_delete_fraction);
  run.log.debug(
      "{} records in {} batches; snapshot complete: {} seen, {} of {} live rows vanished, {} "
      "marked deleted{}",
      reader.count(), batches, result.seen, result.vanished, result.live_before, result.deleted,
      result.suspicious ? " (safety valve held)" : "");
}

// One resource, one stream of the same name: a snapshot every run, no cursor.
class resource_stream final : public stream {
public:
  explicit resource_stream(const resource_info& resource)
      : stream({std::string(resource.name), resource.table, stream_mode::snapshot}),
        resource_(resource) {}

  awaitable<std::optional<std::string>> pull(stream_run& run) override {
    co_await pull_resource(run, resource_);
    co_return std::nullopt;
  }

private:
  const resource_info& resource_;
};

class clevertim_connector final : public connector {
public:
  explicit clevertim_connector(const source_config& source)
      : connector("clevertim"), source_name_(source.name), base_url_(source.base_url) {
    for (const auto& r : resources()) add(std::make_unique<resource_stream>(r));
  }

  // GET <base>/customfield (small, unlike /contact): "authenticated; 4 custom fields".
  awaitable<std::string> check(fetcher http, run_counters& counters) override {
    const auto url = net::make_url(base_url_, "/customfield");
    net::response answer;
    try {
      auto req = resource_get(url);
      answer = co_await http.send(std::move(req), &counters);
    } catch (const error& e) {
      throw with_vendor_message(e);
    }
    const body_origin origin{source_name_, url};
    list_body_reader reader(answer.body, answer.header_value("Content-Type"), "content", origin);
    check_envelope(reader.members(), origin, answer.status);
    while (reader.next() != nullptr) {
    }
    const auto n = reader.count();
    co_return "authenticated; " + std::to_string(n) + (n == 1 ? " custom field" : " custom fields");
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
