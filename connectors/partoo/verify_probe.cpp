#include "connectors/partoo/verify_probe.hpp"

#include <algorithm>
#include <vector>

#include "connectors/json_body.hpp"
#include "connectors/partoo/bisect.hpp"
#include "core/error.hpp"

namespace sluice::connectors::partoo {
namespace {

using boost::asio::awaitable;

// Pages of one second's default search read to find a review in it, at most: a second holding
// more than 500 reviews is a tie block, and the answer is then taken as "not included".
constexpr std::int64_t max_probe_pages = 5;

std::string naive_second(std::int64_t second) { return format_naive_utc(at_second(second)); }

struct reviews_answer {
  boost::json::object body;
  std::string url;
};

awaitable<reviews_answer> get_reviews(verify_run& run, const net::query_params& params) {
  auto url = net::make_url(run.source.base_url, "/reviews", params);
  auto answer = co_await run.http.get(url, &run.counters);
  body_origin origin{run.source.name, url};
  auto body = parse_object_body(answer.body, answer.header_value("Content-Type"), origin);
  array_member(body, "reviews", origin);  // a 200 without the list is not a working API
  co_return reviews_answer{std::move(body), std::move(url)};
}

bool is_deleted(const boost::json::object& review) {
  const auto* state = review.if_contains("state");
  if (state != nullptr && state->is_string()) return state->get_string() == "deleted";
  const auto* deleted = review.if_contains("delete_date");
  return deleted != nullptr && !deleted->is_null();
}

}  // namespace

awaitable<count_answer> count_reviews(verify_run& run, net::query_params filter) {
  filter.insert(filter.begin(), std::pair<std::string, std::string>("per_page", "1"));
  auto answer = co_await get_reviews(run, filter);
  auto count = integer_member(answer.body, "count");
  if (!count)
    throw error(error_kind::data, describe({run.source.name, answer.url}) +
                                      ": the answer has no usable `count`, so the table cannot "
                                      "be verified against it");
  count_answer out;
  out.count = *count;
  const auto& list = answer.body.at("reviews").get_array();
  if (!list.empty() && list.front().is_object()) {
    const auto& first = list.front().get_object();
    if (const auto* id = first.if_contains("id")) out.first_id = id_text(*id);
    if (const auto* date = first.if_contains("update_date"))
      out.first_update = timestamp_value(*date);
    out.first_deleted = is_deleted(first);
  }
  co_return out;
}

awaitable<std::int64_t> count_reviews_upto(verify_run& run, std::optional<std::int64_t> second) {
  net::query_params filter;
  if (second) filter.emplace_back("update_date__lte", naive_second(*second));
  auto answer = co_await count_reviews(run, std::move(filter));
  co_return answer.count;
}

awaitable<default_search> learn_default_search(verify_run& run, std::optional<std::int64_t> upper) {
  net::query_params filter;
  filter.emplace_back("state__in", "deleted");
  if (upper) filter.emplace_back("update_date__lte", naive_second(*upper));
  auto deleted = co_await count_reviews(run, std::move(filter));
  // Without deleted reviews both readings of the default agree; compare live rows.
  if (deleted.count == 0 || !deleted.first_id || !deleted.first_update)
    co_return default_search{false, false, "no deleted reviews at the source"};
  // A server ignoring the filter answered any review: its default is then everything it has.
  if (!deleted.first_deleted)
    co_return default_search{true, false, "state__in ignored; the default search lists all"};

  const std::int64_t second = second_of(*deleted.first_update);
  for (std::int64_t page = 1; page <= max_probe_pages; ++page) {
    net::query_params params;
    params.emplace_back("per_page", "100");
    params.emplace_back("page", std::to_string(page));
    params.emplace_back("update_date__gte", naive_second(second));
    params.emplace_back("update_date__lte", naive_second(second + 1));
    auto answer = co_await get_reviews(run, params);
    for (const auto& v : answer.body.at("reviews").get_array()) {
      const auto* id = v.is_object() ? v.get_object().if_contains("id") : nullptr;
      if (id != nullptr && id_text(*id) == deleted.first_id)
        co_return default_search{true, false, "the default search includes deleted reviews"};
    }
    auto max_page = integer_member(answer.body, "max_page");
    if (!max_page || page >= *max_page) break;
  }
  co_return default_search{false, true, "the default search leaves deleted reviews out"};
}

}  // namespace sluice::connectors::partoo
