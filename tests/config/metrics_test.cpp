// metrics_registry's exposition text, checked against the strict test parser (and the parser's
// own rejections, since the daemon's integration test trusts it to catch bad output).
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "daemon/metrics.hpp"
#include "tests/support/prometheus.hpp"

namespace sluice::daemon {
namespace {

using test::parse_prometheus;
using test::prometheus_labels;
using ::testing::HasSubstr;

constexpr double inf = std::numeric_limits<double>::infinity();

// Label values that need escaping or are otherwise easy to get wrong.
const std::vector<std::string> awkward_values = {"plain",      "say \"hi\"",     "back\\slash",
                                                 "two\nlines", "ünïcødé ✓ 日本", "",
                                                 "trailing\\", "\\\"\n",         "a,b=c}{"};

TEST(MetricsRegistry, RendersTheExactExpositionText) {
  metrics_registry m;
  m.describe("sluice_records_total", metric_type::counter, "Records written.");
  m.describe("sluice_lag_seconds", metric_type::gauge, "Seconds \\ behind\nthe source.");
  m.describe("sluice_request_seconds", metric_type::histogram, "", {0.005, 0.5, 2});
  m.describe("sluice_unused", metric_type::gauge, "Never set.");
  m.add("sluice_records_total", {{"source", "b"}, {"table", "t"}}, 12);
  m.add("sluice_records_total", {{"table", "t"}, {"source", "a\"x\\y\nz"}});
  m.set("sluice_lag_seconds", {}, 0.25);
  m.observe("sluice_request_seconds", {{"source", "a"}}, 0.005);
  m.observe("sluice_request_seconds", {{"source", "a"}}, 1);
  m.observe("sluice_request_seconds", {{"source", "a"}}, 30);

  EXPECT_EQ(m.render(),
            "# HELP sluice_records_total Records written.\n"
            "# TYPE sluice_records_total counter\n"
            "sluice_records_total{source=\"a\\\"x\\\\y\\nz\",table=\"t\"} 1\n"
            "sluice_records_total{source=\"b\",table=\"t\"} 12\n"
            "# HELP sluice_lag_seconds Seconds \\\\ behind\\nthe source.\n"
            "# TYPE sluice_lag_seconds gauge\n"
            "sluice_lag_seconds 0.25\n"
            "# HELP sluice_request_seconds\n"
            "# TYPE sluice_request_seconds histogram\n"
            "sluice_request_seconds_bucket{source=\"a\",le=\"0.005\"} 1\n"
            "sluice_request_seconds_bucket{source=\"a\",le=\"0.5\"} 1\n"
            "sluice_request_seconds_bucket{source=\"a\",le=\"2\"} 2\n"
            "sluice_request_seconds_bucket{source=\"a\",le=\"+Inf\"} 3\n"
            "sluice_request_seconds_sum{source=\"a\"} 31.005\n"
            "sluice_request_seconds_count{source=\"a\"} 3\n"
            "# HELP sluice_unused Never set.\n"
            "# TYPE sluice_unused gauge\n");
}

TEST(MetricsRegistry, EmptyRegistryRendersNothing) {
  metrics_registry m;
  EXPECT_EQ(m.render(), "");
  EXPECT_TRUE(parse_prometheus(m.render()).families.empty());
}

TEST(MetricsRegistry, CountersAndGaugesRoundTripAwkwardLabelValues) {
  metrics_registry m;
  const std::string help = "Help with \\ backslash, \"quotes\",\nnewline and ünïcødé.";
  m.describe("c_total", metric_type::counter, help);
  m.describe("g", metric_type::gauge, "gauge");
  double n = 1;
  for (const auto& v : awkward_values) {
    m.add("c_total", {{"source", v}, {"kind", "x"}}, n);
    m.add("c_total", {{"source", v}, {"kind", "x"}}, n);
    m.set("g", {{"v", v}}, -n);
    n += 1;
  }
  auto scrape = parse_prometheus(m.render());
  ASSERT_EQ(scrape.families.size(), 2u);
  EXPECT_EQ(scrape.families[0].name, "c_total");
  EXPECT_EQ(scrape.families[0].type, "counter");
  EXPECT_EQ(scrape.families[0].help, help);
  EXPECT_EQ(scrape.families[1].type, "gauge");
  EXPECT_EQ(scrape.samples.size(), 2 * awkward_values.size());
  n = 1;
  for (const auto& v : awkward_values) {
    EXPECT_EQ(scrape.value("c_total", {{"source", v}, {"kind", "x"}}), 2 * n) << v;
    EXPECT_EQ(scrape.value("g", {{"v", v}}), -n) << v;
    n += 1;
  }
}

TEST(MetricsRegistry, ValuesPrintAsPrometheusExpectsAndRoundTripExactly) {
  const std::vector<std::pair<double, std::string>> cases = {
      {12, "12"},
      {1e6, "1000000"},
      {-3, "-3"},
      {0, "0"},
      {-0.0, "0"},
      {0.1, "0.1"},
      {-2.5, "-2.5"},
      {1.0 / 3, "0.3333333333333333"},
      {9007199254740992.0, "9007199254740992"},
      {1e300, "1e+300"},
      {1e-7, "1e-07"},
      {inf, "+Inf"},
      {-inf, "-Inf"},
      {std::numeric_limits<double>::quiet_NaN(), "NaN"},
  };
  for (const auto& [value, text] : cases) {
    metrics_registry m;
    m.describe("g", metric_type::gauge, "g");
    m.set("g", {}, value);
    auto rendered = m.render();
    EXPECT_THAT(rendered, HasSubstr("\ng " + text + "\n")) << text;
    auto parsed = parse_prometheus(rendered).value("g");
    ASSERT_TRUE(parsed.has_value());
    if (std::isnan(value)) {
      EXPECT_TRUE(std::isnan(*parsed));
    } else {
      EXPECT_EQ(*parsed, value) << text;
    }
  }
}

TEST(MetricsRegistry, HistogramsAreCumulativeWithInclusiveBoundsAndRoundTrip) {
  metrics_registry m;
  m.describe("h_seconds", metric_type::histogram, "h", {0.1, 1, 10});
  for (const auto& v : awkward_values) {
    for (double x : {0.05, 0.1, 0.5, 1.0, 100.0}) m.observe("h_seconds", {{"source", v}}, x);
  }
  m.observe("h_seconds", {{"source", "plain"}}, -1);  // below every bound: the first bucket
  auto scrape = parse_prometheus(m.render());
  EXPECT_EQ(scrape.samples.size(), awkward_values.size() * 6);
  for (const auto& v : awkward_values) {
    double extra = v == "plain" ? 1 : 0;
    EXPECT_EQ(scrape.value("h_seconds_bucket", {{"source", v}, {"le", "0.1"}}), 2 + extra) << v;
    EXPECT_EQ(scrape.value("h_seconds_bucket", {{"source", v}, {"le", "1"}}), 4 + extra) << v;
    EXPECT_EQ(scrape.value("h_seconds_bucket", {{"source", v}, {"le", "10"}}), 4 + extra) << v;
    EXPECT_EQ(scrape.value("h_seconds_bucket", {{"source", v}, {"le", "+Inf"}}), 5 + extra) << v;
    EXPECT_EQ(scrape.value("h_seconds_count", {{"source", v}}), 5 + extra) << v;
    EXPECT_DOUBLE_EQ(*scrape.value("h_seconds_sum", {{"source", v}}), 101.65 - extra) << v;
  }
}

TEST(MetricsRegistry, HistogramWithoutBucketsUsesPrometheusDefaults) {
  metrics_registry m;
  m.describe("h", metric_type::histogram, "h");
  m.describe("h_explicit_inf", metric_type::histogram, "h", {1, inf});
  m.observe("h", {}, 0.2);
  m.observe("h_explicit_inf", {}, 0.2);
  auto scrape = parse_prometheus(m.render());
  auto buckets = scrape.matching("h_bucket");
  ASSERT_EQ(buckets.size(), 12u);
  EXPECT_EQ(buckets.front()->labels.at("le"), "0.005");
  EXPECT_EQ(buckets[10]->labels.at("le"), "10");
  EXPECT_EQ(scrape.value("h_bucket", {{"le", "0.1"}}), 0);
  EXPECT_EQ(scrape.value("h_bucket", {{"le", "0.25"}}), 1);
  // +Inf spelled out is the implicit one, not a second +Inf bucket.
  EXPECT_EQ(scrape.matching("h_explicit_inf_bucket").size(), 2u);
}

TEST(MetricsRegistry, LabelOrderDoesNotMakeANewSeries) {
  metrics_registry m;
  m.describe("c_total", metric_type::counter, "c");
  m.add("c_total", {{"b", "2"}, {"a", "1"}});
  m.add("c_total", {{"a", "1"}, {"b", "2"}});
  auto scrape = parse_prometheus(m.render());
  ASSERT_EQ(scrape.samples.size(), 1u);
  EXPECT_EQ(scrape.value("c_total"), 2);
}

TEST(MetricsRegistry, DeclarationOrderIsKeptAndRedeclaringKeepsTheFirst) {
  metrics_registry m;
  m.describe("z_total", metric_type::counter, "first");
  m.describe("a", metric_type::gauge, "a");
  m.describe("z_total", metric_type::gauge, "second");
  auto scrape = parse_prometheus(m.render());
  ASSERT_EQ(scrape.families.size(), 2u);
  EXPECT_EQ(scrape.families[0].name, "z_total");
  EXPECT_EQ(scrape.families[0].help, "first");
  EXPECT_EQ(scrape.families[0].type, "counter");
  EXPECT_EQ(scrape.families[1].name, "a");
  EXPECT_NO_THROW(m.add("z_total", {}));
  EXPECT_THROW(m.set("z_total", {}, 1), std::logic_error);
}

TEST(MetricsRegistry, RemoveMatchingDropsOnlyTheMatchingSeries) {
  metrics_registry m;
  m.describe("c_total", metric_type::counter, "c");
  m.describe("h", metric_type::histogram, "h", {1});
  for (std::string source : {"a", "b"}) {
    m.add("c_total", {{"source", source}, {"table", "x"}});
    m.add("c_total", {{"source", source}, {"table", "y"}});
    m.observe("h", {{"source", source}}, 0.5);
  }
  m.add("c_total", {{"table", "a"}});  // a value "a" under another label name stays

  m.remove_matching("c_total", "source", "a");
  m.remove_matching("h", "source", "a");
  m.remove_matching("c_total", "source", "nope");
  auto scrape = parse_prometheus(m.render());
  EXPECT_TRUE(scrape.matching("c_total", {{"source", "a"}}).empty());
  EXPECT_EQ(scrape.matching("c_total", {{"source", "b"}}).size(), 2u);
  EXPECT_EQ(scrape.value("c_total", {{"table", "a"}}), 1);
  EXPECT_TRUE(scrape.matching("h_bucket", {{"source", "a"}}).empty());
  EXPECT_TRUE(scrape.matching("h_count", {{"source", "a"}}).empty());
  EXPECT_EQ(scrape.value("h_count", {{"source", "b"}}), 1);

  // A removed series starts again from zero.
  m.add("c_total", {{"source", "a"}, {"table", "x"}});
  EXPECT_EQ(parse_prometheus(m.render()).value("c_total", {{"source", "a"}}), 1);
  EXPECT_THROW(m.remove_matching("undeclared", "source", "a"), std::logic_error);
}

TEST(MetricsRegistry, ConcurrentUpdatesAreAllCounted) {
  metrics_registry m;
  m.describe("c_total", metric_type::counter, "c");
  m.describe("g", metric_type::gauge, "g");
  m.describe("h", metric_type::histogram, "h", {1, 2});
  constexpr int threads = 4;
  constexpr int per_thread = 5000;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&m, t] {
      for (int i = 0; i < per_thread; ++i) {
        m.add("c_total", {{"source", "shared"}});
        m.add("c_total", {{"source", "s" + std::to_string(t)}}, 2);
        m.set("g", {{"thread", std::to_string(t)}}, i);
        m.observe("h", {}, i % 3);  // 0, 1, 2: one third in each bucket
      }
    });
  }
  // Scrapes while the writers run must always see well-formed, self-consistent text.
  std::thread scraper([&m] {
    for (int i = 0; i < 50; ++i) EXPECT_NO_THROW(parse_prometheus(m.render()));
  });
  for (auto& w : workers) w.join();
  scraper.join();

  auto scrape = parse_prometheus(m.render());
  EXPECT_EQ(scrape.value("c_total", {{"source", "shared"}}), threads * per_thread);
  EXPECT_EQ(scrape.sum("c_total"), 3.0 * threads * per_thread);
  for (int t = 0; t < threads; ++t) {
    EXPECT_EQ(scrape.value("c_total", {{"source", "s" + std::to_string(t)}}), 2 * per_thread);
    EXPECT_EQ(scrape.value("g", {{"thread", std::to_string(t)}}), per_thread - 1);
  }
  double at_most_one = 0;  // observations per thread that land in le="1" (0 and 1)
  double sum = 0;
  for (int i = 0; i < per_thread; ++i) {
    at_most_one += (i % 3 <= 1) ? 1 : 0;
    sum += i % 3;
  }
  EXPECT_EQ(scrape.value("h_count"), threads * per_thread);
  EXPECT_EQ(scrape.value("h_sum"), threads * sum);
  EXPECT_EQ(scrape.value("h_bucket", {{"le", "+Inf"}}), threads * per_thread);
  EXPECT_EQ(scrape.value("h_bucket", {{"le", "2"}}), threads * per_thread);
  EXPECT_EQ(scrape.value("h_bucket", {{"le", "1"}}), threads * at_most_one);
}

TEST(MetricsRegistry, MisuseIsALogicError) {
  metrics_registry m;
  m.describe("c_total", metric_type::counter, "c");
  m.describe("g", metric_type::gauge, "g");
  m.describe("h", metric_type::histogram, "h", {1});

  EXPECT_THROW(m.add("undeclared", {}), std::logic_error);
  EXPECT_THROW(m.set("undeclared", {}, 1), std::logic_error);
  EXPECT_THROW(m.observe("undeclared", {}, 1), std::logic_error);
  EXPECT_THROW(m.set("c_total", {}, 1), std::logic_error);
  EXPECT_THROW(m.observe("c_total", {}, 1), std::logic_error);
  EXPECT_THROW(m.add("g", {}), std::logic_error);
  EXPECT_THROW(m.observe("g", {}, 1), std::logic_error);
  EXPECT_THROW(m.add("h", {}), std::logic_error);
  EXPECT_THROW(m.set("h", {}, 1), std::logic_error);

  EXPECT_THROW(m.add("c_total", {}, -1), std::logic_error);
  EXPECT_THROW(m.add("c_total", {}, std::nan("")), std::logic_error);
  EXPECT_THROW(m.observe("h", {}, std::nan("")), std::logic_error);
  EXPECT_THROW(m.add("c_total", {{"1a", "x"}}), std::logic_error);
  EXPECT_THROW(m.add("c_total", {{"a-b", "x"}}), std::logic_error);
  EXPECT_THROW(m.add("c_total", {{"__name__", "x"}}), std::logic_error);
  EXPECT_THROW(m.add("c_total", {{"", "x"}}), std::logic_error);
  EXPECT_THROW(m.add("c_total", {{"a", "x"}, {"a", "y"}}), std::logic_error);
  EXPECT_THROW(m.observe("h", {{"le", "1"}}, 1), std::logic_error);

  EXPECT_THROW(m.describe("", metric_type::gauge, "x"), std::logic_error);
  EXPECT_THROW(m.describe("1abc", metric_type::gauge, "x"), std::logic_error);
  EXPECT_THROW(m.describe("a-b", metric_type::gauge, "x"), std::logic_error);
  EXPECT_THROW(m.describe("x_total", metric_type::counter, "x", {1}), std::logic_error);
  EXPECT_THROW(m.describe("h2", metric_type::histogram, "x", {2, 1}), std::logic_error);
  EXPECT_THROW(m.describe("h3", metric_type::histogram, "x", {1, 1}), std::logic_error);
  EXPECT_THROW(m.describe("h4", metric_type::histogram, "x", {std::nan(""), 1}), std::logic_error);

  // None of the failed calls left anything behind.
  auto scrape = parse_prometheus(m.render());
  EXPECT_EQ(scrape.families.size(), 3u);
  EXPECT_TRUE(scrape.samples.empty());
}

// --- the parser itself ---

TEST(PrometheusParser, AcceptsWhatTheFormatAllows) {
  auto scrape = parse_prometheus(
      "# a plain comment\n"
      "\n"
      "# TYPE up gauge\n"
      "up 1 1700000000000\n"
      "# HELP x_total Escapes: \\\\ and \\n.\n"
      "# TYPE x_total counter\n"
      "x_total{a=\"1\",b=\"q\\\"\\\\\\n\",} 3.5e2\n"
      "x_total{a=\"2\"} .5\n"
      "x_total{} +Inf\n"
      "# TYPE h histogram\n"
      "h_bucket{le=\"1\"} 0\n"
      "h_bucket{le=\"1e1\"} 2\n"
      "h_bucket{le=\"+Inf\"} 2\n"
      "h_sum -1.5\n"
      "h_count 2\n");
  ASSERT_EQ(scrape.families.size(), 3u);
  EXPECT_EQ(scrape.families[0].help, "");
  EXPECT_EQ(scrape.families[1].help, "Escapes: \\ and \n.");
  ASSERT_NE(scrape.family("h"), nullptr);
  EXPECT_EQ(scrape.family("h")->type, "histogram");
  EXPECT_EQ(scrape.family("h_bucket"), nullptr);
  EXPECT_EQ(scrape.samples[0].timestamp_ms, 1700000000000);
  EXPECT_EQ(scrape.samples[0].line, 4);
  EXPECT_EQ(scrape.value("x_total", {{"b", "q\"\\\n"}}), 350);
  EXPECT_EQ(scrape.value("x_total", {{"a", "2"}}), 0.5);
  EXPECT_EQ(scrape.samples[3].labels.size(), 0u);
  EXPECT_EQ(scrape.samples[3].family, "x_total");
  EXPECT_EQ(scrape.samples[4].family, "h");
  EXPECT_EQ(scrape.value("h_sum"), -1.5);
  EXPECT_EQ(scrape.value("missing"), std::nullopt);
  EXPECT_EQ(scrape.value("x_total", {{"a", "3"}}), std::nullopt);
  EXPECT_THROW(scrape.value("x_total"), std::runtime_error);  // three samples match
  EXPECT_EQ(scrape.sum("x_total", {{"a", "1"}}), 350);
  EXPECT_EQ(scrape.sum("h_bucket"), 4);
  EXPECT_EQ(scrape.matching("x_total").size(), 3u);
}

struct bad_text {
  std::string why;
  std::string text;
  int line;
};

// long function: a table of malformed inputs, one line each.
TEST(PrometheusParser, RejectsMalformedTextNamingTheLine) {
  const std::string g = "# TYPE g gauge\n";
  const std::string h = "# TYPE h histogram\n";
  const std::vector<bad_text> cases = {
      // names
      {"sample name starts with a digit", g + "1g 1\n", 2},
      {"sample name with a dash", g + "g-x 1\n", 2},
      {"TYPE name invalid", "# TYPE g.x gauge\n", 1},
      {"HELP name invalid", "# HELP 9 help\n", 1},
      {"HELP without name", "# HELP \n", 1},
      // label syntax
      {"unquoted label value", g + "g{a=b} 1\n", 2},
      {"unterminated label set", g + "g{a=\"b\" 1\n", 2},
      {"labels without comma", g + "g{a=\"b\" c=\"d\"} 1\n", 2},
      {"label name starts with digit", g + "g{1a=\"b\"} 1\n", 2},
      {"reserved label name", g + "g{__a=\"b\"} 1\n", 2},
      {"empty label name", g + "g{=\"b\"} 1\n", 2},
      {"lone comma", g + "g{,} 1\n", 2},
      {"repeated label", g + "g{a=\"1\",a=\"2\"} 1\n", 2},
      {"space in label set", g + "g{a=\"1\", b=\"2\"} 1\n", 2},
      // escaping
      {"unknown escape in label", g + "g{a=\"\\t\"} 1\n", 2},
      {"escaped closing quote leaves value open", g + "g{a=\"b\\\"} 1\n", 2},
      {"unknown escape in HELP", "# HELP g tab\\there\n" + g, 1},
      {"lone backslash ending HELP", "# HELP g oops\\\n" + g, 1},
      // values
      {"word value", g + "g abc\n", 2},
      {"two dots", g + "g 1.2.3\n", 2},
      {"lowercase inf", g + "g inf\n", 2},
      {"Inf without sign", g + "g Inf\n", 2},
      {"nan spelled differently", g + "g nan\n", 2},
      {"hex value", g + "g 0x10\n", 2},
      {"dangling exponent", g + "g 1e\n", 2},
      {"bare sign", g + "g -\n", 2},
      {"bare dot", g + "g .\n", 2},
      {"out of range", g + "g 1e999\n", 2},
      {"missing value", g + "g\n", 2},
      {"non-integer timestamp", g + "g 1 2.5\n", 2},
      {"extra token", g + "g 1 2 3\n", 2},
      // layout
      {"double space", g + "g  1\n", 2},
      {"trailing blank", g + "g 1 \n", 2},
      {"leading blank", g + " g 1\n", 2},
      {"tab separator", g + "g\t1\n", 2},
      {"no final line feed", g + "g 1", 2},
      {"invalid UTF-8", g + "g{a=\"\xff\"} 1\n", 2},
      {"overlong UTF-8", g + "# HELP g \xc0\xaf\n", 2},
      {"TYPE without space after #", "#TYPE g gauge\n", 1},
      {"TYPE with two spaces", "#  TYPE g gauge\n", 1},
      {"TYPE without type", "# TYPE g\n", 1},
      {"TYPE with extra token", "# TYPE g gauge x\n", 1},
      // types and families
      {"summary not supported", "# TYPE s summary\n", 1},
      {"untyped not supported", "# TYPE s untyped\n", 1},
      {"sample without TYPE", "g 1\n", 1},
      {"sample after HELP only", "# HELP g help\ng 1\n", 2},
      {"family with HELP but no TYPE", "# HELP g help\n# TYPE x gauge\n", 1},
      {"counter sample with _total suffix", "# TYPE c counter\nc_total 1\n", 2},
      {"gauge sample with _sum suffix", g + "g_sum 1\n", 2},
      {"histogram sample without suffix", h + "h 1\n", 2},
      {"sample of another family", g + "# TYPE x gauge\nx 1\ng 2\n", 4},
      {"family lines not grouped", g + "g 1\n# TYPE x gauge\n# HELP g again\n", 4},
      {"second TYPE", g + "# TYPE g counter\n", 2},
      {"second HELP", "# HELP g a\n# HELP g b\n" + g, 2},
      {"HELP after samples", g + "g 1\n# HELP g late\n", 3},
      {"negative counter", "# TYPE c counter\nc -1\n", 2},
      {"NaN counter", "# TYPE c counter\nc NaN\n", 2},
      // duplicates
      {"duplicate series", g + "g{a=\"1\"} 1\ng{a=\"1\"} 2\n", 3},
      {"duplicate series, labels reordered", g + "g{a=\"1\",b=\"2\"} 1\ng{b=\"2\",a=\"1\"} 1\n", 3},
      {"duplicate unlabelled series", g + "g 1\ng 1\n", 3},
      // histograms
      {"buckets not cumulative",
       h + "h_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", 3},
      {"missing +Inf bucket", h + "h_bucket{le=\"1\"} 2\nh_sum 1\nh_count 2\n", 4},
      {"no buckets at all", h + "h_sum 1\nh_count 0\n", 3},
      {"_count differs from +Inf",
       h + "h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n", 5},
      {"le not ascending",
       h + "h_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\n"
           "h_count 1\n",
       3},
      {"le repeated in another spelling",
       h + "h_bucket{le=\"1\"} 1\nh_bucket{le=\"1.0\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\n"
           "h_count 1\n",
       3},
      {"missing _sum", h + "h_bucket{le=\"+Inf\"} 1\nh_count 1\n", 3},
      {"missing _count", h + "h_bucket{le=\"+Inf\"} 1\nh_sum 1\n", 3},
      {"bucket without le", h + "h_bucket 1\n", 2},
      {"le not a number", h + "h_bucket{le=\"big\"} 1\n", 2},
      {"le on _count", h + "h_count{le=\"1\"} 1\n", 2},
      {"fractional bucket count", h + "h_bucket{le=\"+Inf\"} 1.5\n", 2},
      {"negative _count", h + "h_bucket{le=\"+Inf\"} 0\nh_sum 0\nh_count -1\n", 4},
      {"second series missing +Inf",
       h + "h_bucket{a=\"x\",le=\"+Inf\"} 1\nh_sum{a=\"x\"} 1\nh_count{a=\"x\"} 1\n"
           "h_bucket{a=\"y\",le=\"1\"} 1\nh_sum{a=\"y\"} 1\nh_count{a=\"y\"} 1\n",
       7},
      {"histogram checked when the next family starts",
       h + "h_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n" + g + "g 1\n", 4},
  };
  for (const auto& c : cases) {
    try {
      parse_prometheus(c.text);
      ADD_FAILURE() << "accepted: " << c.why;
    } catch (const std::runtime_error& e) {
      EXPECT_THAT(e.what(), HasSubstr("line " + std::to_string(c.line) + ":"))
          << c.why << ": " << e.what();
    }
  }
}

}  // namespace
}  // namespace sluice::daemon
