#pragma once
// Process-wide logging setup. Code logs through spdlog's default logger
// (spdlog::info(...)); this decides how the lines look on stderr.
#include <string>
#include <string_view>

namespace sluice::daemon {

// level: trace | debug | info | warn | error. format: text | json.
//   text:    `2026-11-24T10:31:00.123Z info  message` (UTC, milliseconds)
//   text with JOURNAL_STREAM set (started by systemd): `<6>message`; the journal adds the time
//            and takes the priority from the sd-daemon prefix (<3> error, <4> warn, <6> info,
//            <7> debug and trace). Each line of a multi-line message carries the prefix.
//   json:    `{"ts":"2026-11-24T10:31:00.123Z","level":"info","msg":"..."}`, one object per
//            line; invalid UTF-8 in a message becomes U+FFFD, so every line is valid JSON.
// Replaces spdlog's default logger; call once at startup, before other threads log. Throws
// sluice::error(error_kind::config) for an unknown level or format.
void setup_logging(std::string_view level, std::string_view format);

// Every line is passed through sluice::redact (core/redaction.hpp) before it is written, so no
// known secret and no recognisable credential reaches any of the three formats.
//
// sluice::redact under the name callers in daemon/ have used: the text with credentials masked
// as `***`.
std::string redact(std::string_view text);

}  // namespace sluice::daemon
