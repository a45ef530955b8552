// The requests the Partoo connector builds, checked against Partoo's own OpenAPI description
// (tests/fixtures/partoo/openapi.yaml, the vendor's 2021 file) by tests/fixtures/partoo/
// openapi_check.py; and the checker itself, which must refuse what the description does not allow.
// The end-to-end form of this check (every request of real syncs) is in the integration tests.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "connectors/partoo/walk.hpp"
#include "net/query.hpp"
#include "tests/connectors/test_support.hpp"
#include "tests/support/harness.hpp"
#include "tests/support/process.hpp"

namespace sluice::connectors::partoo {
namespace {

using namespace std::chrono_literals;
using test::at;

struct checked_request {
  std::string target;  // path and query, e.g. "/v2/reviews?page=1"
  bool authenticated = true;
};

// Runs the checker over the requests (as the fake's request log lists them).
test::process_result check(const std::vector<checked_request>& requests) {
  std::string json = "[";
  for (const auto& r : requests) {
    if (json.size() > 1) json += ',';
    json += R"({"method":"GET","target":")" + r.target + R"(","headers":["host")" +
            (r.authenticated ? R"(,"x-apikey"])" : "]") + "}";
  }
  json += "]";
  auto dir = test::make_temp_dir("partoo_openapi");
  test::write_file(dir / "requests.json", json);
  const std::string fixtures = SLUICE_FIXTURES_DIR;
  // Debian's interpreter first: python3-yaml installs there.
  const std::string python =
      std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  auto result = test::run_process({python, fixtures + "/partoo/openapi_check.py",
                                   fixtures + "/partoo/openapi.yaml",
                                   (dir / "requests.json").string(), "--prefix", "/v2"});
  std::filesystem::remove_all(dir);
  return result;
}

std::string target(const std::string& path, const net::query_params& query) {
  auto url = net::make_url("http://h/v2", path, query);
  return url.substr(std::string("http://h").size());
}

TEST(PartooOpenApi, EveryQueryShapeOfTheWalksValidates) {
  reviews_position first{std::nullopt, 1};
  reviews_position bounded{at("2023-05-01T10:11:12.345Z"), 7};
  const auto until = at("2023-06-01T00:00:00.5Z");
  std::vector<checked_request> requests;
  for (auto filter : {reviews_filter::none, reviews_filter::deleted}) {
    requests.push_back({target("/reviews", reviews_query(first, std::nullopt, filter))});
    requests.push_back({target("/reviews", reviews_query(bounded, std::nullopt, filter))});
    requests.push_back({target("/reviews", reviews_query(bounded, until, filter))});
  }
  // The count probes of a verification: one review per page, a range, with and without the
  // state filter; and the `check` command's probe.
  requests.push_back(
      {"/v2/reviews?per_page=1&update_date__gte=2023-01-01T00%3A00%3A00"
       "&update_date__lte=2023-02-01T00%3A00%3A00"});
  requests.push_back(
      {"/v2/reviews?per_page=1&update_date__gte=2023-01-01T00%3A00%3A00"
       "&update_date__lte=2023-02-01T00%3A00%3A00&state__in=deleted"});
  requests.push_back({"/v2/reviews?per_page=1"});
  businesses_position unix_form{at("2019-06-24T00:11:51.681374Z"), time_form::unix_seconds, 1};
  businesses_position zero{std::nullopt, time_form::unix_seconds, 0};
  requests.push_back({target("/business/search", businesses_query(unix_form))});
  requests.push_back({target("/business/search", businesses_query(zero))});
  auto result = check(requests);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find(std::to_string(requests.size()) + " requests checked"),
            std::string::npos)
      << result.output;
}

TEST(PartooOpenApi, TheCheckerRefusesWhatTheDescriptionDoesNotAllow) {
  const std::vector<std::pair<checked_request, std::string>> wrong{
      {{"/v2/reviews?page=1", false}, "no authentication header"},
      {{"/v2/reviews?since=2023-01-01"}, "parameter since is not declared"},
      {{"/v2/reviews?page=one"}, "is not an integer"},
      {{"/v2/reviews?per_page=101"}, "above the maximum"},
      {{"/v2/reviews?order_by=date"}, "is not one of"},
      {{"/v2/reviews?state__in=treated,pending_auto_reply"}, "element 'pending_auto_reply'"},
      {{"/v2/reviews?update_date__gte=2023-01-01T00%3A00%3A00%2B02%3A00"}, "naive UTC"},
      {{"/v2/reviews?update_date__gte=2023-01-01T00:00:00+02:00"}, "naive UTC"},  // '+' is a space
      {{"/v2/reviews?page=1&page=2"}, "appears 2 times"},
      {{"/v2/business/search?modified__gte=2019-06-24T00%3A11%3A51"}, "is not a number"},
      {{"/v2/business/search?per_page=100"}, "parameter per_page is not declared"},
      {{"/v2/review"}, "is not a documented operation"},
  };
  for (const auto& [request, problem] : wrong) {
    auto result = check({request});
    EXPECT_EQ(result.exit_code, 1) << request.target << "\n" << result.output;
    EXPECT_NE(result.output.find(problem), std::string::npos) << request.target << "\n"
                                                              << result.output;
  }
  EXPECT_EQ(check({}).exit_code, 1);  // nothing checked proves nothing
}

}  // namespace
}  // namespace sluice::connectors::partoo
