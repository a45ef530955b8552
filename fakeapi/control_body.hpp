#pragma once
// Reading the JSON bodies of /_control requests and writing the id lists their answers carry;
// and the integer query parameters vendors validate. A bad value is a 400 reply_error.
#include "fakeapi/json_writer.hpp"
#include "fakeapi/router.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::fakeapi {

// A whole decimal integer and nothing else (no sign-less overflow, no trailing text).
std::optional<std::int64_t> parse_int(std::string_view text);

// A non-negative integer; `what` names it in the error.
std::uint64_t read_count(const boost::json::value& value, std::string_view what);
// `fallback` when the key is absent or null.
std::uint64_t read_count(const boost::json::object& body, std::string_view key,
                         std::uint64_t fallback);

// Records one mutation may add: more would take the fake's memory, not test a client.
inline constexpr std::uint64_t max_added_per_mutation = 1'000'000;

// A 400 reply_error "<what> must be at most 1000000" when count exceeds max_added_per_mutation.
void check_added(std::uint64_t count, std::string_view what);

// A string, nullopt when absent or null.
std::optional<std::string_view> read_word(const boost::json::object& body, std::string_view key);

// `"key":[...]`: ids as JSON numbers, or as strings for vendors whose ids are text.
void write_ids(json_writer& w, std::string_view key, const std::vector<std::int64_t>& ids);
void write_ids(json_writer& w, std::string_view key, const std::vector<std::uint64_t>& ids);
void write_ids(json_writer& w, std::string_view key, const std::vector<std::string>& ids);

}  // namespace sluice::fakeapi
