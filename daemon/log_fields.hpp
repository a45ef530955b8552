#pragma once
// What a log line says besides its time, the same in every format: its priority, its text with
// the run's tag, and the fields of a journal entry. Every text passes through sluice::redact.
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/common.h>

#include "core/run_log.hpp"

namespace sluice::daemon {

// syslog(3) priority: 7 debug (and trace), 6 info, 4 warn, 3 error, 2 critical.
int syslog_priority(spdlog::level::level_enum level);

// The message as text lines show it: "eu/reviews#42: 100 records, ..." (the bare message when
// the tag is empty), redacted.
std::string tagged_text(const log_tag& tag, std::string_view message);

// One journal entry as sd_journal_sendv(3) takes it, `FIELD=value` each: MESSAGE= (tagged_text),
// PRIORITY=, SYSLOG_IDENTIFIER=sluice, then what the tag holds: SLUICE_SOURCE=, SLUICE_STREAM=,
// SLUICE_RUN= (sync_runs id) or SLUICE_BACKFILL= (backfill_jobs id), so that
// `journalctl SLUICE_SOURCE=eu SLUICE_STREAM=reviews` selects a stream. A message may span lines:
// the journal keeps it one entry. Pure but for the secrets the process registered for redaction
// (message and values are redacted; tags' numbers hold nothing to mask).
std::vector<std::string> journal_fields(spdlog::level::level_enum level, std::string_view message,
                                        const log_tag& tag);

}  // namespace sluice::daemon
