#pragma once
// The daemon's metrics, rendered in the Prometheus text exposition format (version 0.0.4) for
// /metrics. Updated from the I/O thread, the writer thread and the lease thread, so every call
// takes one mutex; updates are rare next to the work they count (per request, per commit).
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::daemon {

enum class metric_type { counter, gauge, histogram };

using metric_labels = std::vector<std::pair<std::string, std::string>>;

class metrics_registry {
public:
  // Declares a family (HELP and TYPE lines). Names follow Prometheus rules
  // ([a-zA-Z_:][a-zA-Z0-9_:]*); counters should end in `_total`. Histograms use `buckets`
  // (upper bounds, ascending; +Inf is implicit; none means the Prometheus defaults, 0.005 to 10
  // seconds). Declaring twice keeps the first. A bad name or bucket list throws std::logic_error.
  void describe(std::string name, metric_type type, std::string help,
                std::vector<double> buckets = {});

  // Counter += v (v >= 0). Gauge = v. Histogram observation. Using an undeclared name, or a
  // declared one with the wrong kind of call, throws std::logic_error (a programming error), as
  // do a negative counter increment, a NaN observation and invalid or duplicate label names
  // (`le` is reserved in histograms). Label order does not matter: {a,b} and {b,a} are one series.
  void add(std::string_view name, const metric_labels& labels, double v = 1.0);
  void set(std::string_view name, const metric_labels& labels, double v);
  void observe(std::string_view name, const metric_labels& labels, double v);

  // Drops every series of `name` whose labels include `label` = `value` (a source removed by a
  // reload should not keep reporting).
  void remove_matching(std::string_view name, std::string_view label, std::string_view value);

  // The exposition text: families in declaration order, series sorted by labels; label values
  // escaped (\\, \", \n); values as Prometheus expects (+Inf, NaN, integers without exponent
  // where exact). Families without series print only HELP and TYPE.
  std::string render() const;

private:
  struct series {
    double value = 0;                   // counter, gauge; histogram: sum
    std::vector<std::uint64_t> counts;  // histogram: per bucket (not cumulative), then +Inf
    std::uint64_t count = 0;            // histogram: observations
  };
  struct family {
    std::string name;
    metric_type type;
    std::string help;
    std::vector<double> buckets;
    std::map<metric_labels, series> series_;
  };
  family& find(std::string_view name, metric_type expected);

  mutable std::mutex mutex_;
  std::vector<family> families_;
};

}  // namespace sluice::daemon
