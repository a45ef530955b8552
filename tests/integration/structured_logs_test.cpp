// Structured logs end to end: with `--log-format json`, every line of a stream's run carries
// `source`, `stream` and its sync_runs id as `run` (a backfill: its job id as `backfill`), the
// connector's own debug lines included; text lines name the run as `source/stream#id`.
#include <map>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/sync_fixture.hpp"

namespace sluice::test {
namespace {

using ::testing::ContainsRegex;

constexpr const char* partoo_key = "partoo-STRUCTURED-LOGS-KEY";

class structured_logs_test : public sync_fixture {
protected:
  void SetUp() override {
    sync_fixture::SetUp();
    if (IsSkipped()) return;
    fake_ = std::make_unique<fakeapi>(std::vector<std::string>{
        "--partoo-key", partoo_key, "--partoo-reviews", "250", "--partoo-businesses", "3"});
    config_ = write_config("[sources.eu]\nkind = \"partoo\"\nbase_url = \"" +
                           fake_->http_url("/partoo/v2") + "\"\napi_key = \"" + partoo_key +
                           "\"\nrate_limit = \"100000/min\"\n");
  }

  // Every line of `output` is one JSON object: parse them all.
  static std::vector<boost::json::object> json_lines(const std::string& output) {
    std::vector<boost::json::object> lines;
    std::size_t start = 0;
    while (start < output.size()) {
      auto end = output.find('\n', start);
      if (end == std::string::npos) end = output.size();
      const auto line = output.substr(start, end - start);
      start = end + 1;
      if (line.empty()) continue;
      boost::system::error_code ec;
      auto value = boost::json::parse(line, ec);
      if (ec || !value.is_object()) {
        ADD_FAILURE() << "not a JSON object: " << boost::json::serialize(line);
        continue;
      }
      lines.push_back(value.as_object());
    }
    return lines;
  }

  // stream -> its latest sync_runs id.
  std::map<std::string, std::int64_t> run_ids() {
    std::map<std::string, std::int64_t> ids;
    for (const auto& row : psql_rows("SELECT stream || '|' || max(id) FROM " + schema_ +
                                     ".sync_runs WHERE source = 'eu' GROUP BY stream")) {
      auto bar = row.find('|');
      ids[row.substr(0, bar)] = std::stoll(row.substr(bar + 1));
    }
    return ids;
  }

  static bool has_line(const std::vector<boost::json::object>& lines, const std::string& stream,
                       const std::string& text) {
    for (const auto& line : lines) {
      const auto* s = line.if_contains("stream");
      if (s != nullptr && s->as_string() == stream &&
          std::string(line.at("msg").as_string()).find(text) != std::string::npos)
        return true;
    }
    return false;
  }

  std::string config_;
};

TEST_F(structured_logs_test, json_lines_of_a_sync_carry_source_stream_and_run) {
  auto result = sync(config_, {"--log-format", "json", "--log-level", "debug"});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto ids = run_ids();
  ASSERT_EQ(ids.size(), 2u);  // reviews and businesses
  const auto lines = json_lines(result.output);

  for (const auto& line : lines) {
    if (!line.contains("stream")) continue;
    const std::string stream(line.at("stream").as_string());
    EXPECT_EQ(line.at("source").as_string(), "eu") << boost::json::serialize(line);
    ASSERT_TRUE(ids.count(stream)) << boost::json::serialize(line);
    ASSERT_TRUE(line.contains("run")) << boost::json::serialize(line);
    EXPECT_EQ(line.at("run").as_int64(), ids.at(stream)) << boost::json::serialize(line);
    EXPECT_FALSE(line.contains("backfill")) << boost::json::serialize(line);
    EXPECT_FALSE(std::string(line.at("msg").as_string()).starts_with("source '"))
        << boost::json::serialize(line);
  }
  for (const auto& [stream, id] : ids) {
    EXPECT_TRUE(has_line(lines, stream, " records, ")) << stream << ": no outcome line";
    EXPECT_TRUE(has_line(lines, stream, " records for ")) << stream << ": no connector line";
  }
  // Lines of no run carry no run fields.
  for (const auto& line : lines) {
    if (std::string(line.at("msg").as_string()).starts_with("sync finished")) {
      EXPECT_FALSE(line.contains("source") || line.contains("run")) << boost::json::serialize(line);
    }
  }
}

TEST_F(structured_logs_test, text_lines_name_the_run) {
  auto result = sync(config_, {"--stream", "reviews"});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto id = std::to_string(run_ids().at("reviews"));
  EXPECT_THAT(result.output, ContainsRegex("Z info  eu/reviews#" + id + ": [0-9]+ records, "));

  // Under systemd with stderr elsewhere than the journal's stream: sd-daemon prefixes.
  auto prefixed =
      run_sluice({"sync", "-c", config_, "--stream", "reviews"}, {"JOURNAL_STREAM=1:1"});
  ASSERT_EQ(prefixed.exit_code, 0) << prefixed.output;
  const auto next = std::to_string(run_ids().at("reviews"));
  EXPECT_THAT(prefixed.output, ContainsRegex("<6>eu/reviews#" + next + ": [0-9]+ records, "));
}

TEST_F(structured_logs_test, json_lines_of_a_backfill_carry_its_job) {
  auto result = run_sluice({"backfill", "-c", config_, "--source", "eu", "--stream", "reviews",
                            "--log-format", "json", "--log-level", "debug"});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto job = std::stoll(psql("SELECT max(id) FROM " + schema_ + ".backfill_jobs"));
  const auto lines = json_lines(result.output);
  for (const auto& line : lines) {
    if (!line.contains("stream")) continue;
    EXPECT_EQ(line.at("source").as_string(), "eu") << boost::json::serialize(line);
    EXPECT_EQ(line.at("stream").as_string(), "reviews") << boost::json::serialize(line);
    ASSERT_TRUE(line.contains("backfill")) << boost::json::serialize(line);
    EXPECT_EQ(line.at("backfill").as_int64(), job) << boost::json::serialize(line);
    EXPECT_FALSE(line.contains("run")) << boost::json::serialize(line);
  }
  EXPECT_TRUE(has_line(lines, "reviews", "starting")) << result.output;
  EXPECT_TRUE(has_line(lines, "reviews", " records for ")) << result.output;
  EXPECT_TRUE(has_line(lines, "reviews", " records, ")) << result.output;
}

}  // namespace
}  // namespace sluice::test
