#pragma once
// Text that PostgreSQL (a UTF-8 database) and a JSON log line can always take. Vendor bodies end
// up in error messages and warnings: one cut in the middle of a character, a Latin-1 error page
// or a NUL would make the INSERT that records the failure fail in turn ("invalid byte sequence"),
// and the run's failure would be lost with it. Every recorder passes its text through here.
#include <cstddef>
#include <string>
#include <string_view>

namespace sluice {

// `text` as valid UTF-8 without NUL: every byte that is not part of a well-formed character
// (and every NUL) becomes the visible escape `\xNN`, so nothing is hidden and nothing is invented.
// When the result would exceed `max_bytes`, it is cut on a character boundary and ends in "..."
// (the whole result, "..." included, stays within `max_bytes`).
std::string utf8_safe(std::string_view text, std::size_t max_bytes = std::string_view::npos);

// Whether `text` is valid UTF-8 (overlong forms, surrogates and code points beyond U+10FFFF are
// not) with no NUL.
bool is_utf8_safe(std::string_view text) noexcept;

}  // namespace sluice
