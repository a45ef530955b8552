#pragma once
// Process-wide logging setup. Code logs through spdlog's default logger (spdlog::info(...)), a
// run's lines through the run's run_log (core/run_log.hpp); this decides how the lines look on
// stderr or in the journal.
#include <string>
#include <string_view>

namespace sluice::daemon {

// level: trace | debug | info | warn | error. format: text | json.
//   text:    `2026-11-24T10:31:00.123Z info  message` (UTC, milliseconds). A line of a run
//            (logged through its run_log, core/run_log.hpp) names it before the message:
//            `eu/reviews#42: 100 records, ...` (source/stream#sync_runs id), a backfill
//            `eu/reviews backfill#7: ...` (its backfill_jobs id), a line about a source `eu: ...`.
//   text with stderr being the journal (systemd sets JOURNAL_STREAM to stderr's device:inode):
//            one journal entry per line with fields (daemon/log_fields.hpp, journal_fields):
//            MESSAGE= as the text line's message, PRIORITY=, SYSLOG_IDENTIFIER=sluice, and
//            SLUICE_SOURCE=, SLUICE_STREAM=, SLUICE_RUN= or SLUICE_BACKFILL= for a run's lines.
//            Should the journal refuse an entry, the line goes to stderr as below.
//   text with JOURNAL_STREAM set but not stderr's: `<6>eu/reviews#42: message`; the journal
//            adds the time and takes the priority from the sd-daemon prefix (<3> error, <4> warn,
//            <6> info, <7> debug and trace). Each line of a multi-line message carries the prefix.
//   json:    `{"ts":"2026-11-24T10:31:00.123Z","level":"info","msg":"..."}`, one object per
//            line; a run's lines add `"source":"eu","stream":"reviews","run":42` (a backfill:
//            `"backfill":7` instead of `"run"`) between level and msg. Invalid UTF-8 in a message
//            becomes U+FFFD, so every line is valid JSON.
// Lines logged with spdlog directly carry no tag: the daemon's own, and net/'s retry messages
// (debug), which serve a source's streams alike; the writer thread's name their source/stream in
// the message. Replaces spdlog's default logger; call once at startup, before other threads log.
// Throws sluice::error(error_kind::config) for an unknown level or format.
void setup_logging(std::string_view level, std::string_view format);

// Whether `journal_stream` (JOURNAL_STREAM's value, `<device>:<inode>`, or nullptr) names the
// file `fd` is open on: then systemd connected it to the journal.
bool is_journal_stream(const char* journal_stream, int fd);

// Every text of a line (message, tag, field values) is passed through sluice::redact
// (core/redaction.hpp) before it is written, so no known secret and no recognisable credential
// reaches any format.
//
// sluice::redact under the name callers in daemon/ have used: the text with credentials masked
// as `***`.
std::string redact(std::string_view text);

}  // namespace sluice::daemon
