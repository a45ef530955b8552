#pragma once
// A strict parser of the Prometheus text exposition format 0.0.4, for tests that scrape
// /metrics. Written separately from daemon/metrics.cpp so the tests do not trust what they test;
// it is stricter than Prometheus itself, so sloppy output fails loudly:
//   - only the canonical layout: one space between tokens, no leading or trailing blanks (empty
//     lines and `#` comments other than HELP/TYPE are allowed, as the format says);
//   - only counter, gauge and histogram families; every sample follows its family's TYPE line,
//     and a family's lines form one group (HELP/TYPE once each, before its samples);
//   - sample names belong to the family (counter/gauge: the name; histogram: _bucket, _sum,
//     _count); label names valid and not repeated; escapes only \\ \" \n in label values and
//     \\ \n in HELP; values decimal numbers or +Inf, -Inf, NaN; an optional integer timestamp;
//   - no duplicate series; counters not negative; histogram series with `le` strictly
//     ascending, cumulative integer counts, a +Inf bucket, one _sum and a _count equal to it;
//   - UTF-8 text ending in a line feed.
// Any violation throws std::runtime_error naming the (1-based) line.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::test {

using prometheus_labels = std::map<std::string, std::string>;

struct prometheus_family {
  std::string name;
  std::string type;  // counter | gauge | histogram
  std::string help;  // unescaped; empty when there was no HELP line
};

struct prometheus_sample {
  std::string family;  // the family's name, e.g. `x` for `x_bucket`
  std::string name;
  prometheus_labels labels;  // unescaped values; histogram buckets include `le`
  double value = 0;
  std::optional<std::int64_t> timestamp_ms;
  int line = 0;
};

struct prometheus_scrape {
  std::vector<prometheus_family> families;  // in text order
  std::vector<prometheus_sample> samples;   // in text order

  // nullptr when absent.
  const prometheus_family* family(std::string_view name) const;
  // Samples named `name` whose labels include every entry of `labels`.
  std::vector<const prometheus_sample*> matching(std::string_view name,
                                                 const prometheus_labels& labels = {}) const;
  // The value of the one sample that matches; nullopt if none; throws std::runtime_error if
  // several match (the test's label subset is ambiguous).
  std::optional<double> value(std::string_view name, const prometheus_labels& labels = {}) const;
  // The sum over every matching sample (0 if none), e.g. a counter across all its tables.
  double sum(std::string_view name, const prometheus_labels& labels = {}) const;
};

prometheus_scrape parse_prometheus(std::string_view text);

}  // namespace sluice::test
