#include "daemon/log_fields.hpp"

#include "core/redaction.hpp"

namespace sluice::daemon {

int syslog_priority(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug: return 7;
    case spdlog::level::info: return 6;
    case spdlog::level::warn: return 4;
    case spdlog::level::err: return 3;
    case spdlog::level::critical: return 2;
    case spdlog::level::off:
    case spdlog::level::n_levels: break;
  }
  return 6;
}

std::string tagged_text(const log_tag& tag, std::string_view message) {
  if (tag.empty()) return sluice::redact(message);
  std::string text = to_string(tag);
  text += ": ";
  text += message;
  return sluice::redact(text);
}

std::vector<std::string> journal_fields(spdlog::level::level_enum level, std::string_view message,
                                        const log_tag& tag) {
  std::vector<std::string> fields{
      "MESSAGE=" + tagged_text(tag, message),
      "PRIORITY=" + std::to_string(syslog_priority(level)),
      "SYSLOG_IDENTIFIER=sluice",
  };
  if (!tag.source.empty()) fields.push_back("SLUICE_SOURCE=" + sluice::redact(tag.source));
  if (!tag.stream.empty()) fields.push_back("SLUICE_STREAM=" + sluice::redact(tag.stream));
  if (tag.run != 0) fields.push_back("SLUICE_RUN=" + std::to_string(tag.run));
  if (tag.backfill != 0) fields.push_back("SLUICE_BACKFILL=" + std::to_string(tag.backfill));
  return fields;
}

}  // namespace sluice::daemon
