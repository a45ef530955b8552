#include "daemon/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <system_error>

namespace sluice::daemon {
namespace {

// Prometheus client libraries' defaults (seconds), for histograms declared without buckets.
const std::vector<double> default_buckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                             0.5,   1,    2.5,   5,    10};

bool is_metric_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// Label names starting with `__` are reserved for Prometheus itself.
bool is_label_name(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string_view type_name(metric_type type) {
  switch (type) {
    case metric_type::counter: return "counter";
    case metric_type::gauge: return "gauge";
    case metric_type::histogram: return "histogram";
  }
  return "untyped";
}

// Exact integers print as plain digits (`1000000`, where shortest-form would say `1e+06`, which
// scrapers accept but people grepping /metrics do not expect); the rest shortest round-trip.
std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == 0) return "0";  // also -0
  char buf[64];
  constexpr double integer_limit = 9007199254740992.0;  // 2^53: every integer below is exact
  auto fmt = (std::trunc(v) == v && std::fabs(v) <= integer_limit) ? std::chars_format::fixed
                                                                   : std::chars_format::general;
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, fmt);
  if (ec != std::errc{}) throw std::logic_error("metrics: cannot format a value");
  return std::string(buf, end);
}

void append_escaped_label_value(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
}

void append_escaped_help(std::string& out, std::string_view help) {
  for (char c : help) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
}

// `{a="x",b="y"}`, with `le` last when given; nothing at all for no labels.
void append_labels(std::string& out, const metric_labels& labels, const std::string* le = nullptr) {
  if (labels.empty() && le == nullptr) return;
  out += '{';
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ',';
    first = false;
    out += name;
    out += "=\"";
    append_escaped_label_value(out, value);
    out += '"';
  }
  if (le != nullptr) {
    if (!first) out += ',';
    out += "le=\"";
    out += *le;
    out += '"';
  }
  out += '}';
}

void append_sample(std::string& out, std::string_view name, std::string_view suffix,
                   const metric_labels& labels, const std::string* le, std::string_view value) {
  out += name;
  out += suffix;
  append_labels(out, labels, le);
  out += ' ';
  out += value;
  out += '\n';
}

// Series are keyed by their labels sorted by name, so {a,b} and {b,a} are one series (two would
// render as a duplicate, which Prometheus rejects). Bad names are programming errors.
metric_labels normalized(std::string_view metric, const metric_labels& labels, metric_type type) {
  metric_labels sorted = labels;
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const auto& name = sorted[i].first;
    if (!is_label_name(name))
      throw std::logic_error("metrics: invalid label name '" + name + "' for " +
                             std::string(metric));
    if (type == metric_type::histogram && name == "le")
      throw std::logic_error("metrics: label 'le' is reserved in histogram " + std::string(metric));
    if (i > 0 && sorted[i - 1].first == name)
      throw std::logic_error("metrics: label '" + name + "' given twice for " +
                             std::string(metric));
  }
  return sorted;
}

}  // namespace

void metrics_registry::describe(std::string name, metric_type type, std::string help,
                                std::vector<double> buckets) {
  if (!is_metric_name(name)) throw std::logic_error("metrics: invalid metric name '" + name + "'");
  if (type != metric_type::histogram && !buckets.empty())
    throw std::logic_error("metrics: buckets given for non-histogram " + name);
  if (type == metric_type::histogram) {
    if (buckets.empty()) buckets = default_buckets;
    // +Inf is always the last bucket; accept it spelled out rather than print it twice.
    if (buckets.back() == std::numeric_limits<double>::infinity()) buckets.pop_back();
    for (std::size_t i = 0; i < buckets.size(); ++i) {
      if (!std::isfinite(buckets[i]) || (i > 0 && !(buckets[i - 1] < buckets[i])))
        throw std::logic_error("metrics: histogram " + name +
                               " buckets must be finite and strictly ascending");
    }
  }
  std::lock_guard lock(mutex_);
  for (const auto& f : families_)
    if (f.name == name) return;
  families_.push_back(family{std::move(name), type, std::move(help), std::move(buckets), {}});
}

metrics_registry::family& metrics_registry::find(std::string_view name, metric_type expected) {
  for (auto& f : families_) {
    if (f.name != name) continue;
    if (f.type != expected)
      throw std::logic_error("metrics: " + std::string(name) + " is a " +
                             std::string(type_name(f.type)) + ", not a " +
                             std::string(type_name(expected)));
    return f;
  }
  throw std::logic_error("metrics: undeclared metric " + std::string(name));
}

void metrics_registry::add(std::string_view name, const metric_labels& labels, double v) {
  if (!(v >= 0))
    throw std::logic_error("metrics: counter " + std::string(name) + " can only go up");
  std::lock_guard lock(mutex_);
  auto& f = find(name, metric_type::counter);
  f.series_[normalized(name, labels, f.type)].value += v;
}

void metrics_registry::set(std::string_view name, const metric_labels& labels, double v) {
  std::lock_guard lock(mutex_);
  auto& f = find(name, metric_type::gauge);
  f.series_[normalized(name, labels, f.type)].value = v;
}

void metrics_registry::observe(std::string_view name, const metric_labels& labels, double v) {
  if (std::isnan(v))
    throw std::logic_error("metrics: NaN observed in histogram " + std::string(name));
  std::lock_guard lock(mutex_);
  auto& f = find(name, metric_type::histogram);
  auto& s = f.series_[normalized(name, labels, f.type)];
  if (s.counts.empty()) s.counts.assign(f.buckets.size() + 1, 0);
  // `le` is inclusive: an observation equal to a bound belongs to that bucket.
  auto bucket = std::lower_bound(f.buckets.begin(), f.buckets.end(), v) - f.buckets.begin();
  ++s.counts[static_cast<std::size_t>(bucket)];
  ++s.count;
  s.value += v;
}

void metrics_registry::remove_matching(std::string_view name, std::string_view label,
                                       std::string_view value) {
  std::lock_guard lock(mutex_);
  auto f = std::find_if(families_.begin(), families_.end(),
                        [&](const family& x) { return x.name == name; });
  if (f == families_.end())
    throw std::logic_error("metrics: undeclared metric " + std::string(name));
  std::erase_if(f->series_, [&](const auto& entry) {
    return std::any_of(entry.first.begin(), entry.first.end(),
                       [&](const auto& l) { return l.first == label && l.second == value; });
  });
}

std::string metrics_registry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& f : families_) {
    out += "# HELP ";
    out += f.name;
    if (!f.help.empty()) {
      out += ' ';
      append_escaped_help(out, f.help);
    }
    out += "\n# TYPE ";
    out += f.name;
    out += ' ';
    out += type_name(f.type);
    out += '\n';
    for (const auto& [labels, s] : f.series_) {
      if (f.type != metric_type::histogram) {
        append_sample(out, f.name, "", labels, nullptr, format_value(s.value));
        continue;
      }
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < s.counts.size(); ++i) {
        cumulative += s.counts[i];
        std::string le = i < f.buckets.size() ? format_value(f.buckets[i]) : "+Inf";
        append_sample(out, f.name, "_bucket", labels, &le, std::to_string(cumulative));
      }
      append_sample(out, f.name, "_sum", labels, nullptr, format_value(s.value));
      append_sample(out, f.name, "_count", labels, nullptr, std::to_string(s.count));
    }
  }
  return out;
}

}  // namespace sluice::daemon
