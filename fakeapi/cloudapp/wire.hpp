#pragma once
// CloudApp's forms: items as JSON, the item hrefs mutations answer, and the Rails application's
// HTML and 422 answers.
#include "fakeapi/cloudapp/records.hpp"
#include "fakeapi/json_writer.hpp"
#include "fakeapi/router.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::fakeapi::cloudapp {

// `show_deleted_at` false omits the field altogether (options::omit_deleted_at).
void write_item(json_writer& w, const item& it, bool show_deleted_at);

std::string href(std::uint64_t id);
void write_hrefs(json_writer& w, std::string_view key, const std::vector<std::uint64_t>& ids);

// The vendor's 422 body: a JSON array of messages.
reply unprocessable(std::string_view message);
reply html_reply(unsigned status, std::string_view page);
extern const std::string_view not_found_page;
extern const std::string_view not_acceptable_page;

}  // namespace sluice::fakeapi::cloudapp
