// The shipped alert rules (ops/prometheus/sluice.rules.yml) and Grafana dashboard
// (ops/grafana/sluice.json) against a live `sluice run`: every metric name their PromQL uses must
// be in the daemon's /metrics (a family's HELP/TYPE lines count, samples or not; `_bucket`,
// `_sum` and `_count` belong to their histogram; `up` is Prometheus's own), and what rate() and
// increase() read must be a counter or a histogram's series. A renamed metric would otherwise
// blank a panel or silence an alert without any error. promtool checks the rules themselves
// (ctest: ops.promtool_*).
//
// The rules file is read as text, not by a YAML parser: an `expr:` value is the rest of its line,
// plus every following line indented deeper than the key (a `|`/`>` block or a plain scalar that
// continues), with one level of '...' or "..." quotes removed. That covers how Prometheus rule
// files are written; YAML flow style ({expr: ...}), anchors and escapes other than \" and \\ are
// not understood, and a test below checks that one expression was found per rule.
#include <cctype>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/daemon_fixture.hpp"
#include "tests/support/http.hpp"
#include "tests/support/prometheus.hpp"

namespace sluice::test {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// The repository root: the tests know their fixtures directory (tests/fixtures).
std::filesystem::path source_dir() {
  return std::filesystem::path(SLUICE_FIXTURES_DIR).parent_path().parent_path();
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::size_t indent_of(const std::string& line) { return line.find_first_not_of(' '); }

bool is_blank(const std::string& line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

// One level of YAML quotes: '' inside single quotes, \" and \\ inside double quotes; anything
// after the closing quote (a comment) is dropped. An unquoted value is returned as it is.
std::string unquote(const std::string& v) {
  if (v.empty() || (v.front() != '\'' && v.front() != '"')) return v;
  char q = v.front();
  std::string out;
  for (std::size_t i = 1; i < v.size(); ++i) {
    if (v[i] == q && !(q == '\'' && i + 1 < v.size() && v[i + 1] == q)) break;
    if (v[i] == q || (q == '"' && v[i] == '\\')) ++i;  // '' or a backslash escape
    if (i < v.size()) out += v[i];
  }
  return out;
}

// Every `expr:` value of a Prometheus rule file (see the limits at the top of this file).
std::vector<std::string> rule_exprs(const std::string& yaml) {
  std::vector<std::string> lines;
  std::istringstream in(yaml);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::vector<std::string> exprs;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto key = indent_of(lines[i]);
    if (key == std::string::npos) continue;
    auto body = lines[i].substr(key);
    if (body.starts_with("- ")) {  // `- expr:` opens a list item
      body = body.substr(2);
      key += 2;
    }
    if (!body.starts_with("expr:")) continue;
    auto value = body.substr(5);
    value.erase(0, value.find_first_not_of(' '));
    bool block = !value.empty() && (value.front() == '|' || value.front() == '>');
    if (block) value.clear();
    // A block scalar or a plain scalar goes on over the lines indented deeper than the key.
    while (i + 1 < lines.size() && (is_blank(lines[i + 1]) || indent_of(lines[i + 1]) > key)) {
      ++i;
      if (is_blank(lines[i])) continue;
      if (!value.empty()) value += block ? '\n' : ' ';
      value += lines[i].substr(indent_of(lines[i]));
    }
    exprs.push_back(unquote(value));
  }
  return exprs;
}

void collect_json_exprs(const boost::json::value& v, std::vector<std::string>& out) {
  if (const auto* o = v.if_object()) {
    for (const auto& [key, child] : *o) {
      if (key == "expr" && child.is_string())
        out.emplace_back(child.as_string());
      else
        collect_json_exprs(child, out);
    }
  } else if (const auto* a = v.if_array()) {
    for (const auto& child : *a) collect_json_exprs(child, out);
  }
}

// Every query of a dashboard: each target's `expr` (rows' nested panels included) and each
// query variable's `query` (a string, or an object with a `query`, as newer Grafana writes it).
std::vector<std::string> dashboard_exprs(const boost::json::value& dashboard) {
  std::vector<std::string> out;
  collect_json_exprs(dashboard.at("panels"), out);
  for (const auto& var : dashboard.at("templating").at("list").as_array()) {
    const auto& o = var.as_object();
    if (o.at("type") != "query") continue;
    const auto& q = o.at("query");
    out.emplace_back(q.is_string() ? q.as_string() : q.at("query").as_string());
  }
  return out;
}

struct metric_use {
  std::string name;
  // The identifier just before the parenthesis that directly encloses it, e.g. "rate"; "" at the
  // top level or inside an aggregation's argument after `by (...)`.
  std::string function;
};

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}

// The metric names a PromQL expression (or a Grafana label_values() query) uses: identifiers
// that start with `sluice_`, and `up`, outside string literals, comments and Grafana variables
// ($name, ${name}, $__rate_interval), each with the function whose parentheses enclose it.
std::vector<metric_use> metric_uses(const std::string& expr) {
  std::vector<metric_use> out;
  std::vector<std::string> calls;  // one entry per open parenthesis
  std::string previous;            // the identifier just before, if nothing came between
  for (std::size_t i = 0; i < expr.size();) {
    char c = expr[i];
    if (c == '"' || c == '\'' || c == '`') {
      for (++i; i < expr.size() && expr[i] != c; ++i)
        if (expr[i] == '\\' && c != '`') ++i;
      ++i;
      previous.clear();
    } else if (c == '#') {
      while (i < expr.size() && expr[i] != '\n') ++i;
    } else if (c == '$') {
      ++i;
      if (i < expr.size() && expr[i] == '{')
        while (i < expr.size() && expr[i] != '}') ++i;
      while (i < expr.size() && (ident_char(expr[i]) || expr[i] == '}')) ++i;
      previous.clear();
    } else if (ident_start(c) || c == ':') {
      auto start = i;
      while (i < expr.size() && ident_char(expr[i])) ++i;
      previous = expr.substr(start, i - start);
      if (previous.starts_with("sluice_") || previous == "up")
        out.push_back({previous, calls.empty() ? "" : calls.back()});
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      while (i < expr.size() && (ident_char(expr[i]) || expr[i] == '.')) ++i;  // 15m, 0.9, 1e3
      previous.clear();
    } else {
      if (c == '(') calls.push_back(previous);
      if (c == ')' && !calls.empty()) calls.pop_back();
      if (c != ' ' && c != '\n' && c != '\t') previous.clear();
      ++i;
    }
  }
  return out;
}

// Where a metric is used (the files) and which functions read it.
struct usage {
  std::set<std::string> files;
  std::set<std::string> functions;
};

std::map<std::string, usage> shipped_metric_uses() {
  std::map<std::string, usage> uses;
  auto add = [&](const std::string& file, const std::vector<std::string>& exprs) {
    for (const auto& e : exprs)
      for (const auto& u : metric_uses(e)) {
        uses[u.name].files.insert(file);
        uses[u.name].functions.insert(u.function);
      }
  };
  auto root = source_dir() / "ops";
  add("ops/prometheus/sluice.rules.yml",
      rule_exprs(read_text(root / "prometheus/sluice.rules.yml")));
  add("ops/grafana/sluice.json",
      dashboard_exprs(boost::json::parse(read_text(root / "grafana/sluice.json"))));
  return uses;
}

// The family that exposes `name` in the scrape, or nullptr.
const prometheus_family* family_of(const prometheus_scrape& m, const std::string& name) {
  if (const auto* f = m.family(name)) return f;
  for (std::string suffix : {"_bucket", "_sum", "_count"}) {
    if (!name.ends_with(suffix)) continue;
    const auto* f = m.family(name.substr(0, name.size() - suffix.size()));
    if (f && f->type == "histogram") return f;
  }
  return nullptr;
}

// What is wrong with one metric the shipped files use, or "" when nothing is.
std::string check_use(const prometheus_scrape& m, const std::string& name, const usage& u) {
  auto where = [&] {
    std::string s;
    for (const auto& f : u.files) s += (s.empty() ? "" : ", ") + f;
    return s;
  };
  if (name == "up") return "";  // Prometheus's own series of every scrape target
  const auto* f = family_of(m, name);
  if (f == nullptr) return name + " (used in " + where() + ") is not in the scrape";
  bool counting = u.functions.contains("rate") || u.functions.contains("irate") ||
                  u.functions.contains("increase");
  if (counting && f->type != "counter" && f->type != "histogram")
    return name + " (used in " + where() + ") is read by rate()/increase() but is a " + f->type;
  return "";
}

TEST(observability_files, metric_names_are_read_from_promql) {
  auto names = [](const std::string& expr) {
    std::vector<std::string> out;
    for (const auto& u : metric_uses(expr)) out.push_back(u.name + "@" + u.function);
    return out;
  };
  EXPECT_THAT(
      names(R"x(sum by (source) (rate(sluice_http_throttled_total{job="sluice_x"}[15m])))x"),
      ElementsAre("sluice_http_throttled_total@rate"));
  EXPECT_THAT(names("histogram_quantile(0.99, sum by (le) (rate(sluice_batch_commit_seconds_bucket"
                    "{source=~\"$source\", stream=~\"${stream}\"}[$__rate_interval])))"),
              ElementsAre("sluice_batch_commit_seconds_bucket@rate"));
  EXPECT_THAT(names("max by (source) (sluice_source_configured) unless on (source) "
                    "(max by (source) (sluice_lease_held) == 1) # sluice_not_a_metric"),
              ElementsAre("sluice_source_configured@", "sluice_lease_held@"));
  EXPECT_THAT(names("absent(up{job=\"sluice\"}) or $sluice_variable or 'sluice_string'"),
              ElementsAre("up@absent"));
  EXPECT_THAT(names("label_values(sluice_stream_max_staleness_seconds{source=~\"$source\"}, "
                    "stream)"),
              ElementsAre("sluice_stream_max_staleness_seconds@label_values"));
  EXPECT_THAT(names("1e3 * 15m + 0.9"), IsEmpty());
}

TEST(observability_files, rule_expressions_are_read_from_yaml_text) {
  auto exprs = rule_exprs(
      "groups:\n  - name: g\n    rules:\n"
      "      - alert: A\n        expr: sluice_a == 1\n        for: 5m\n"
      "      - alert: B\n        expr: |\n          sum(sluice_b)\n\n            > 2\n"
      "        labels: {}\n"
      "      - expr: 'sluice_c{x=''y''}'\n        record: c\n"
      "      - alert: D\n        expr: \"sluice_d{x=\\\"y\\\"}\"  # comment\n"
      "      - alert: E\n        expr: sluice_e\n          > 3\n  # expr: sluice_commented\n");
  EXPECT_THAT(exprs, ElementsAre("sluice_a == 1", "sum(sluice_b)\n> 2", "sluice_c{x='y'}",
                                 "sluice_d{x=\"y\"}", "sluice_e > 3"));
}

TEST(observability_files, a_missing_or_mistyped_metric_is_reported) {
  auto m = parse_prometheus(
      "# HELP sluice_a_total A.\n# TYPE sluice_a_total counter\n"
      "# HELP sluice_h H.\n# TYPE sluice_h histogram\n"
      "# HELP sluice_g G.\n# TYPE sluice_g gauge\nsluice_g 1\n");
  auto check = [&](const std::string& name, const std::string& function) {
    return check_use(m, name, usage{{"f"}, {function}});
  };
  EXPECT_EQ(check("sluice_a_total", "rate"), "");
  EXPECT_EQ(check("sluice_h_bucket", "rate"), "");
  EXPECT_EQ(check("sluice_h_count", "increase"), "");
  EXPECT_EQ(check("sluice_g", "max"), "");
  EXPECT_EQ(check("up", ""), "");
  EXPECT_EQ(check("sluice_nope", ""), "sluice_nope (used in f) is not in the scrape");
  EXPECT_EQ(check("sluice_g_bucket", ""), "sluice_g_bucket (used in f) is not in the scrape");
  EXPECT_EQ(check("sluice_g", "rate"),
            "sluice_g (used in f) is read by rate()/increase() but is a gauge");
}

// The shipped files themselves: one expression per rule, each naming a metric; every panel
// queries the templated data source.
TEST(observability_files, every_rule_and_panel_queries_a_metric) {
  auto rules = read_text(source_dir() / "ops/prometheus/sluice.rules.yml");
  std::size_t alerts = 0;
  for (std::size_t at = 0; (at = rules.find("- alert: ", at)) != std::string::npos; ++at) ++alerts;
  auto exprs = rule_exprs(rules);
  EXPECT_GE(alerts, 10u);
  EXPECT_EQ(exprs.size(), alerts);
  for (const auto& e : exprs) EXPECT_FALSE(metric_uses(e).empty()) << e;

  auto dashboard = boost::json::parse(read_text(source_dir() / "ops/grafana/sluice.json"));
  std::size_t panels = 0;
  for (const auto& p : dashboard.at("panels").as_array()) {
    if (p.at("type") == "row") continue;
    ++panels;
    EXPECT_EQ(p.at("datasource").at("uid"), "${DS_PROMETHEUS}") << p.at("title");
    const auto& targets = p.at("targets").as_array();
    ASSERT_FALSE(targets.empty()) << p.at("title");
    for (const auto& t : targets)
      EXPECT_FALSE(metric_uses(std::string(t.at("expr").as_string())).empty()) << p.at("title");
  }
  EXPECT_GE(panels, 10u);
  std::set<std::string> variables;
  for (const auto& v : dashboard.at("templating").at("list").as_array())
    variables.insert(std::string(v.at("name").as_string()));
  EXPECT_EQ(variables, (std::set<std::string>{"DS_PROMETHEUS", "source", "stream"}));
}

class observability_test : public daemon_fixture {};

TEST_F(observability_test, every_metric_the_rules_and_the_dashboard_use_is_in_a_live_scrape) {
  auto uses = shipped_metric_uses();
  ASSERT_TRUE(uses.contains("sluice_stream_stale"));                 // from the rules
  ASSERT_TRUE(uses.contains("sluice_batch_commit_seconds_bucket"));  // from the dashboard

  start_fake({"--partoo-reviews", "50", "--partoo-businesses", "3"});
  daemon_process d(daemon_config(partoo_source("eu")));
  int port = d.port();
  ASSERT_GT(port, 0);
  // After a successful run every family a run touches has appeared, not only those declared at
  // start.
  prometheus_scrape m;
  ASSERT_TRUE(eventually([&] {
    m = parse_prometheus(http_request(port, "GET", "/metrics").body);
    return m.sum("sluice_stream_runs_total", {{"source", "eu"}, {"status", "succeeded"}}) > 0;
  })) << d.log();

  std::vector<std::string> problems;
  for (const auto& [name, u] : uses)
    if (auto problem = check_use(m, name, u); !problem.empty()) problems.push_back(problem);
  EXPECT_THAT(problems, IsEmpty());

  d.kill(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0) << d.log();
}

}  // namespace
}  // namespace sluice::test
