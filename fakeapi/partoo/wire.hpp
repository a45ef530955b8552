#pragma once
// Partoo's JSON form of reviews and businesses, as the API and the control dumps show them.
#include "fakeapi/json_writer.hpp"
#include "fakeapi/partoo/options.hpp"
#include "fakeapi/partoo/records.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice::fakeapi::partoo {

// What the review is shown with besides itself: its business, the organisation, the switches.
struct review_context {
  const business& owner;
  std::int64_t org_id;
  const switch_set& switches;
};

void write_review(json_writer& w, const review& r, const review_context& context);
void write_business(json_writer& w, const business& b, std::int64_t org_id);

// The content of the business's answer in r's thread, if it has one: what a client should call
// the review's reply (the dump shows it with ?annotate=true).
std::optional<std::string_view> business_reply(const review& r, const switch_set& switches);

}  // namespace sluice::fakeapi::partoo
