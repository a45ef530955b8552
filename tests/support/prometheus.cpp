#include "tests/support/prometheus.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace sluice::test {
namespace {

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

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Offset of the first byte that is not part of well-formed UTF-8 (no overlong forms, no
// surrogates, nothing above U+10FFFF), or npos.
std::size_t invalid_utf8_at(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (b < 0x80) {
      ++i;
      continue;
    } else if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      if (b == 0xE0) lo = 0xA0;
      if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      if (b == 0xF0) lo = 0x90;
      if (b == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (i + len > s.size()) return i;
    for (std::size_t k = 1; k < len; ++k) {
      auto c = static_cast<unsigned char>(s[i + k]);
      if (k == 1 ? (c < lo || c > hi) : (c < 0x80 || c > 0xBF)) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

struct series_key {
  std::string name;
  prometheus_labels labels;
  auto operator<=>(const series_key&) const = default;
};

class parser {
public:
  explicit parser(std::string_view text) : text_(text) {}

  prometheus_scrape run() {
    if (auto bad = invalid_utf8_at(text_); bad != std::string_view::npos) {
      line_ = line_of(bad);
      fail("invalid UTF-8");
    }
    std::size_t start = 0;
    while (start < text_.size()) {
      ++line_;
      auto nl = text_.find('\n', start);
      if (nl == std::string_view::npos) fail("the last line must end with a line feed");
      parse_line(text_.substr(start, nl - start));
      start = nl + 1;
    }
    finish_family();
    return std::move(out_);
  }

private:
  struct family_state {
    std::size_t index = 0;  // into out_.families
    bool typed = false;
    bool helped = false;
    bool sampled = false;
    int line = 0;  // of its first line
  };

  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("prometheus text line " + std::to_string(line_) + ": " + what);
  }
  [[noreturn]] void fail_at(int line, const std::string& what) {
    line_ = line;
    fail(what);
  }

  int line_of(std::size_t offset) const {
    int n = 1;
    for (std::size_t i = 0; i < offset; ++i)
      if (text_[i] == '\n') ++n;
    return n;
  }

  void parse_line(std::string_view line) {
    if (line.empty()) return;  // the format ignores empty lines
    if (line.front() == ' ' || line.front() == '\t' || line.back() == ' ' || line.back() == '\t')
      fail("leading or trailing blanks");
    if (line.front() == '#') return parse_comment(line);
    parse_sample(line);
  }

  // `# HELP` and `# TYPE` are metadata; any other `#` line is a comment. Near-misses such as
  // `#TYPE x gauge` or `#  HELP x` are rejected rather than silently ignored.
  void parse_comment(std::string_view line) {
    auto rest = line.substr(1);
    auto word_start = rest.find_first_not_of(" \t");
    if (word_start == std::string_view::npos) return;
    auto word = rest.substr(word_start, rest.find_first_of(" \t", word_start) - word_start);
    if (word != "HELP" && word != "TYPE") return;
    if (!line.starts_with("# HELP ") && !line.starts_with("# TYPE "))
      fail("malformed " + std::string(word) + " line");
    auto body = line.substr(7);
    auto space = body.find(' ');
    auto name = body.substr(0, space);
    if (!is_metric_name(name)) fail("bad metric name '" + std::string(name) + "'");
    if (word == "HELP") {
      auto help = space == std::string_view::npos ? std::string_view{} : body.substr(space + 1);
      auto& f = enter_family(name);
      if (f.helped) fail("second HELP for " + std::string(name));
      if (f.sampled) fail("HELP for " + std::string(name) + " after its samples");
      f.helped = true;
      out_.families[f.index].help = unescape_help(help);
    } else {
      if (space == std::string_view::npos) fail("TYPE without a type");
      auto type = body.substr(space + 1);
      if (type != "counter" && type != "gauge" && type != "histogram")
        fail("unsupported type '" + std::string(type) + "'");
      auto& f = enter_family(name);
      if (f.typed) fail("second TYPE for " + std::string(name));
      if (f.sampled) fail("TYPE for " + std::string(name) + " after its samples");
      f.typed = true;
      out_.families[f.index].type = std::string(type);
    }
  }

  std::string unescape_help(std::string_view help) const {
    std::string out;
    for (std::size_t i = 0; i < help.size(); ++i) {
      if (help[i] != '\\') {
        out += help[i];
        continue;
      }
      if (++i == help.size()) fail("HELP ends in a lone backslash");
      if (help[i] == '\\')
        out += '\\';
      else if (help[i] == 'n')
        out += '\n';
      else
        fail(std::string("bad escape \\") + help[i] + " in HELP");
    }
    return out;
  }

  // A family's lines form one group: switching to a new name closes the current family.
  family_state& enter_family(std::string_view name) {
    if (name != current_) {
      if (families_.contains(std::string(name)))
        fail("lines of " + std::string(name) + " are not grouped together");
      finish_family();
      current_ = std::string(name);
      family_first_sample_ = out_.samples.size();
      out_.families.push_back(prometheus_family{current_, "", ""});
      families_[current_] = family_state{out_.families.size() - 1, false, false, false, line_};
    }
    return families_[current_];
  }

  std::string sample_family(std::string_view name) const {
    auto belongs = [&](const std::string& family) {
      const auto& type = out_.families[families_.at(family).index].type;
      if (type == "histogram")
        return name == family + "_bucket" || name == family + "_sum" || name == family + "_count";
      return name == family;
    };
    if (!current_.empty() && families_.at(current_).typed && belongs(current_)) return current_;
    for (const auto& [family, state] : families_)
      if (state.typed && belongs(family))
        fail("sample " + std::string(name) + " is separated from the rest of family " + family);
    if (!current_.empty() && families_.at(current_).typed)
      fail("sample " + std::string(name) + " does not belong to " +
           out_.families[families_.at(current_).index].type + " family " + current_ +
           " (and has no TYPE of its own)");
    fail("sample " + std::string(name) + " has no TYPE declared before it");
  }

  void parse_sample(std::string_view line) {
    std::size_t pos = 0;
    while (pos < line.size() && line[pos] != '{' && line[pos] != ' ') ++pos;
    auto name = line.substr(0, pos);
    if (!is_metric_name(name)) fail("bad metric name '" + std::string(name) + "'");
    prometheus_sample s;
    s.name = std::string(name);
    s.line = line_;
    if (pos < line.size() && line[pos] == '{') s.labels = parse_labels(line, pos);
    if (pos >= line.size() || line[pos] != ' ') fail("expected a space before the value");
    auto rest = line.substr(pos + 1);
    auto space = rest.find(' ');
    s.value = parse_number(rest.substr(0, space), "value");
    if (space != std::string_view::npos) s.timestamp_ms = parse_timestamp(rest.substr(space + 1));

    s.family = sample_family(name);
    auto& state = families_[s.family];
    state.sampled = true;
    const auto& type = out_.families[state.index].type;
    if (type == "counter" && !(s.value >= 0)) fail("counter " + s.name + " is not >= 0");
    if (type == "histogram") {
      bool bucket = s.name.ends_with("_bucket");
      auto le = s.labels.find("le");
      if (bucket && le == s.labels.end()) fail("bucket without an le label");
      if (!bucket && le != s.labels.end()) fail("le label on " + s.name);
      if (bucket) parse_number(le->second, "le");
      if (!s.name.ends_with("_sum") &&
          !(std::isfinite(s.value) && s.value >= 0 && std::trunc(s.value) == s.value))
        fail(s.name + " is not a non-negative integer count");
    }
    if (!series_.insert(series_key{s.name, s.labels}).second) fail("duplicate series " + s.name);
    out_.samples.push_back(std::move(s));
  }

  // From the `{` at `pos` to past the `}`. A trailing comma is allowed, as the format says.
  prometheus_labels parse_labels(std::string_view line, std::size_t& pos) {
    prometheus_labels labels;
    ++pos;
    while (true) {
      if (pos >= line.size()) fail("unterminated label set");
      if (line[pos] == '}') {
        ++pos;
        return labels;
      }
      auto start = pos;
      while (pos < line.size() &&
             ((line[pos] >= 'a' && line[pos] <= 'z') || (line[pos] >= 'A' && line[pos] <= 'Z') ||
              line[pos] == '_' || (pos > start && is_digit(line[pos]))))
        ++pos;
      auto label = std::string(line.substr(start, pos - start));
      if (label.empty()) fail("bad label name");
      if (label.starts_with("__")) fail("reserved label name " + label);
      if (line.substr(pos, 2) != "=\"") fail("expected =\" after label " + label);
      pos += 2;
      std::string value;
      while (true) {
        if (pos >= line.size()) fail("unterminated value of label " + label);
        char c = line[pos++];
        if (c == '"') break;
        if (c != '\\') {
          value += c;
          continue;
        }
        if (pos >= line.size()) fail("unterminated value of label " + label);
        char e = line[pos++];
        if (e == '\\')
          value += '\\';
        else if (e == '"')
          value += '"';
        else if (e == 'n')
          value += '\n';
        else
          fail(std::string("bad escape \\") + e + " in label " + label);
      }
      if (!labels.emplace(label, std::move(value)).second) fail("label " + label + " repeated");
      if (pos < line.size() && line[pos] == ',')
        ++pos;
      else if (pos >= line.size() || line[pos] != '}')
        fail("expected , or } after label " + label);
    }
  }

  // Decimal floats and the three spellings Prometheus uses; nothing else (no hex, no `inf`).
  double parse_number(std::string_view token, std::string_view what) const {
    if (token == "+Inf") return std::numeric_limits<double>::infinity();
    if (token == "-Inf") return -std::numeric_limits<double>::infinity();
    if (token == "NaN") return std::numeric_limits<double>::quiet_NaN();
    auto bad = [&] { fail(std::string(what) + " '" + std::string(token) + "' is not a number"); };
    std::size_t i = 0;
    if (i < token.size() && (token[i] == '+' || token[i] == '-')) ++i;
    auto digits = [&] {
      auto start = i;
      while (i < token.size() && is_digit(token[i])) ++i;
      return i - start;
    };
    auto mantissa = digits();
    if (i < token.size() && token[i] == '.') {
      ++i;
      mantissa += digits();
    }
    if (mantissa == 0) bad();
    if (i < token.size() && (token[i] == 'e' || token[i] == 'E')) {
      ++i;
      if (i < token.size() && (token[i] == '+' || token[i] == '-')) ++i;
      if (digits() == 0) bad();
    }
    if (i != token.size()) bad();
    auto body = token.front() == '+' ? token.substr(1) : token;
    double v = 0;
    auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), v);
    if (ec != std::errc{} || end != body.data() + body.size()) bad();
    return v;
  }

  std::int64_t parse_timestamp(std::string_view token) const {
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
    if (token.empty() || ec != std::errc{} || end != token.data() + token.size())
      fail("timestamp '" + std::string(token) + "' is not an integer");
    return v;
  }

  // Checks the family that just ended: a TYPE line, and for a histogram, each series' buckets.
  void finish_family() {
    if (current_.empty()) return;
    const auto& state = families_.at(current_);
    if (!state.typed) fail_at(state.line, "family " + current_ + " has no TYPE");
    if (out_.families[state.index].type == "histogram") check_histogram();
    current_.clear();
  }

  void check_histogram() {
    struct bucket {
      double le;
      double count;
      int line;
    };
    struct group {
      std::vector<bucket> buckets;
      const prometheus_sample* sum = nullptr;
      const prometheus_sample* count = nullptr;
      int last_line = 0;
    };
    std::vector<std::pair<prometheus_labels, group>> groups;  // in order of first appearance
    for (auto i = family_first_sample_; i < out_.samples.size(); ++i) {
      const auto& s = out_.samples[i];
      auto labels = s.labels;
      labels.erase("le");
      auto g = groups.begin();
      while (g != groups.end() && g->first != labels) ++g;
      if (g == groups.end()) g = groups.insert(groups.end(), {labels, group{}});
      g->second.last_line = s.line;
      if (s.name.ends_with("_bucket")) {
        line_ = s.line;
        g->second.buckets.push_back({parse_number(s.labels.at("le"), "le"), s.value, s.line});
      } else if (s.name.ends_with("_sum")) {
        g->second.sum = &s;
      } else {
        g->second.count = &s;
      }
    }
    for (const auto& [labels, g] : groups) {
      for (std::size_t i = 1; i < g.buckets.size(); ++i) {
        if (!(g.buckets[i - 1].le < g.buckets[i].le))
          fail_at(g.buckets[i].line, "bucket le not strictly ascending in " + current_);
        if (g.buckets[i].count < g.buckets[i - 1].count)
          fail_at(g.buckets[i].line, "buckets of " + current_ + " are not cumulative");
      }
      if (g.buckets.empty() || !std::isinf(g.buckets.back().le))
        fail_at(g.last_line, "series of " + current_ + " has no le=\"+Inf\" bucket");
      if (g.sum == nullptr) fail_at(g.last_line, "series of " + current_ + " has no _sum");
      if (g.count == nullptr) fail_at(g.last_line, "series of " + current_ + " has no _count");
      if (g.count->value != g.buckets.back().count)
        fail_at(g.count->line, current_ + "_count differs from its +Inf bucket");
    }
  }

  std::string_view text_;
  int line_ = 0;
  prometheus_scrape out_;
  std::map<std::string, family_state> families_;
  std::string current_;  // the family whose group is open; empty before the first
  std::size_t family_first_sample_ = 0;
  std::set<series_key> series_;
};

}  // namespace

const prometheus_family* prometheus_scrape::family(std::string_view name) const {
  for (const auto& f : families)
    if (f.name == name) return &f;
  return nullptr;
}

std::vector<const prometheus_sample*> prometheus_scrape::matching(
    std::string_view name, const prometheus_labels& labels) const {
  std::vector<const prometheus_sample*> found;
  for (const auto& s : samples) {
    if (s.name != name) continue;
    bool all = true;
    for (const auto& [k, v] : labels) {
      auto it = s.labels.find(k);
      if (it == s.labels.end() || it->second != v) {
        all = false;
        break;
      }
    }
    if (all) found.push_back(&s);
  }
  return found;
}

std::optional<double> prometheus_scrape::value(std::string_view name,
                                               const prometheus_labels& labels) const {
  auto found = matching(name, labels);
  if (found.empty()) return std::nullopt;
  if (found.size() > 1)
    throw std::runtime_error(std::to_string(found.size()) + " samples of " + std::string(name) +
                             " match; give more labels");
  return found.front()->value;
}

double prometheus_scrape::sum(std::string_view name, const prometheus_labels& labels) const {
  double total = 0;
  for (const auto* s : matching(name, labels)) total += s->value;
  return total;
}

prometheus_scrape parse_prometheus(std::string_view text) { return parser(text).run(); }

}  // namespace sluice::test
