#include "daemon/logging.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iterator>
#include <memory>
#include <mutex>
#include <vector>

#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <systemd/sd-journal.h>

#include "core/error.hpp"
#include "core/redaction.hpp"
#include "core/run_log.hpp"
#include "daemon/log_fields.hpp"

namespace sluice::daemon {
namespace {

enum class line_style { text, journal, json };

void append(spdlog::memory_buf_t& dest, std::string_view text) {
  dest.append(text.data(), text.data() + text.size());
}

std::string_view level_word(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace: return "trace";
    case spdlog::level::debug: return "debug";
    case spdlog::level::info: return "info";
    case spdlog::level::warn: return "warn";
    case spdlog::level::err: return "error";
    case spdlog::level::critical: return "critical";
    case spdlog::level::off:
    case spdlog::level::n_levels: break;
  }
  return "info";
}

// sd-daemon(3) priority prefix, read by journald from a stream connected to it.
std::string journal_prefix(spdlog::level::level_enum level) {
  return "<" + std::to_string(syslog_priority(level)) + ">";
}

void append_utc(spdlog::memory_buf_t& dest, spdlog::log_clock::time_point time) {
  using namespace std::chrono;
  auto whole = floor<seconds>(time);
  auto millis = duration_cast<milliseconds>(time - whole).count();
  std::time_t t = spdlog::log_clock::to_time_t(whole);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  fmt::format_to(std::back_inserter(dest), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 millis);
}

// Length of the valid UTF-8 sequence at the start of s, or 0 (overlong forms, surrogates and
// code points above U+10FFFF are invalid too).
std::size_t utf8_sequence(std::string_view s) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  auto continuation = [&](std::size_t i) { return i < s.size() && (byte(i) & 0xC0) == 0x80; };
  unsigned char b0 = byte(0);
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) return continuation(1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (!continuation(1) || !continuation(2)) return 0;
    if (b0 == 0xE0 && byte(1) < 0xA0) return 0;   // overlong
    if (b0 == 0xED && byte(1) >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
    if (b0 == 0xF0 && byte(1) < 0x90) return 0;   // overlong
    if (b0 == 0xF4 && byte(1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

void append_json_string(spdlog::memory_buf_t& dest, std::string_view text) {
  dest.push_back('"');
  while (!text.empty()) {
    unsigned char c = static_cast<unsigned char>(text.front());
    std::size_t n = 1;
    switch (c) {
      case '"': append(dest, "\\\""); break;
      case '\\': append(dest, "\\\\"); break;
      case '\n': append(dest, "\\n"); break;
      case '\r': append(dest, "\\r"); break;
      case '\t': append(dest, "\\t"); break;
      case '\b': append(dest, "\\b"); break;
      case '\f': append(dest, "\\f"); break;
      default:
        if (c < 0x20 || c == 0x7f) {
          fmt::format_to(std::back_inserter(dest), "\\u{:04x}", static_cast<unsigned>(c));
        } else if (c < 0x80) {
          dest.push_back(static_cast<char>(c));
        } else if ((n = utf8_sequence(text)) != 0) {
          append(dest, text.substr(0, n));
        } else {
          n = 1;
          append(dest, "\\ufffd");
        }
    }
    text.remove_prefix(n);
  }
  dest.push_back('"');
}

// The tag of the line being formatted (see core/run_log.hpp); empty for spdlog::info & co.
const log_tag& current_tag() {
  static const log_tag none;
  const log_tag* tag = run_log::current();
  return tag != nullptr ? *tag : none;
}

void append_json_tag(spdlog::memory_buf_t& dest, const log_tag& tag) {
  if (tag.empty()) return;
  append(dest, ",\"source\":");
  append_json_string(dest, sluice::redact(tag.source));
  if (!tag.stream.empty()) {
    append(dest, ",\"stream\":");
    append_json_string(dest, sluice::redact(tag.stream));
  }
  if (tag.run != 0) fmt::format_to(std::back_inserter(dest), ",\"run\":{}", tag.run);
  if (tag.backfill != 0) fmt::format_to(std::back_inserter(dest), ",\"backfill\":{}", tag.backfill);
}

// Every line leaves the process through one of these (or journal_fields): the one place to mask
// secrets, whatever logged the line.
class line_formatter final : public spdlog::formatter {
public:
  explicit line_formatter(line_style style) : style_(style) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    const log_tag& tag = current_tag();
    switch (style_) {
      case line_style::text: {
        append_utc(dest, msg.time);
        fmt::format_to(std::back_inserter(dest), " {:<5} ", level_word(msg.level));
        append(dest, tagged_text(tag, payload));
        break;
      }
      case line_style::journal: {
        // journald splits records at newlines; each line keeps the message's priority.
        const auto prefix = journal_prefix(msg.level);
        append(dest, prefix);
        for (char c : tagged_text(tag, payload)) {
          dest.push_back(c);
          if (c == '\n') append(dest, prefix);
        }
        break;
      }
      case line_style::json: {
        append(dest, "{\"ts\":\"");
        append_utc(dest, msg.time);
        append(dest, "\",\"level\":\"");
        append(dest, level_word(msg.level));
        dest.push_back('"');
        append_json_tag(dest, tag);
        append(dest, ",\"msg\":");
        append_json_string(dest, sluice::redact(payload));
        dest.push_back('}');
        break;
      }
    }
    dest.push_back('\n');
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<line_formatter>(style_);
  }

private:
  line_style style_;
};

// stderr is the journal's own stream: each line goes as one entry with fields (journal_fields),
// so `journalctl SLUICE_SOURCE=eu` finds a source's lines. Should the journal refuse an entry,
// the line goes to stderr as before, where the journal still reads its priority prefix.
class journal_sink final : public spdlog::sinks::base_sink<std::mutex> {
protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const auto fields = journal_fields(
        msg.level, std::string_view(msg.payload.data(), msg.payload.size()), current_tag());
    std::vector<iovec> entry;
    entry.reserve(fields.size());
    for (const auto& field : fields)
      entry.push_back(iovec{const_cast<char*>(field.data()), field.size()});
    if (sd_journal_sendv(entry.data(), static_cast<int>(entry.size())) >= 0) return;
    spdlog::memory_buf_t line;
    fallback_.format(msg, line);
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }

private:
  line_formatter fallback_{line_style::journal};
};

spdlog::level::level_enum parse_level(std::string_view level) {
  if (level == "trace") return spdlog::level::trace;
  if (level == "debug") return spdlog::level::debug;
  if (level == "info") return spdlog::level::info;
  if (level == "warn") return spdlog::level::warn;
  if (level == "error") return spdlog::level::err;
  throw error(error_kind::config,
              fmt::format("unknown log level \"{}\" (use trace, debug, info, warn, error)", level));
}

}  // namespace

bool is_journal_stream(const char* journal_stream, int fd) {
  if (journal_stream == nullptr) return false;
  unsigned long long device = 0;
  unsigned long long inode = 0;
  char rest = 0;
  if (std::sscanf(journal_stream, "%llu:%llu%c", &device, &inode, &rest) != 2) return false;
  struct stat st {};
  if (::fstat(fd, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == device &&
         static_cast<unsigned long long>(st.st_ino) == inode;
}

void setup_logging(std::string_view level, std::string_view format) {
  auto threshold = parse_level(level);
  // systemd sets JOURNAL_STREAM for a service whose stderr goes to the journal: its device and
  // inode, which tell whether stderr is still that stream (a wrapper may have redirected it).
  const char* journal = std::getenv("JOURNAL_STREAM");
  spdlog::sink_ptr sink;
  if (format == "json") {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    sink->set_formatter(std::make_unique<line_formatter>(line_style::json));
  } else if (format != "text") {
    throw error(error_kind::config,
                fmt::format("unknown log format \"{}\" (use text or json)", format));
  } else if (is_journal_stream(journal, STDERR_FILENO)) {
    sink = std::make_shared<journal_sink>();
  } else {
    // Set but not (provably) stderr: the journal may still read stderr, and it stamps each line
    // itself and reads its priority from the prefix.
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    sink->set_formatter(std::make_unique<line_formatter>(journal && *journal ? line_style::journal
                                                                             : line_style::text));
  }
  auto logger = std::make_shared<spdlog::logger>("sluice", std::move(sink));
  logger->set_level(threshold);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
}

std::string redact(std::string_view text) { return sluice::redact(text); }

}  // namespace sluice::daemon
