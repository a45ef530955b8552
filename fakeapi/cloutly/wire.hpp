#pragma once
// Cloutly's JSON form of reviews and businesses, as the API and the control dumps show them.
#include "fakeapi/cloutly/records.hpp"
#include "fakeapi/json_writer.hpp"

namespace sluice::fakeapi::cloutly {

void write_review(json_writer& w, const review& r, const business& b);
void write_business(json_writer& w, const business& b);

}  // namespace sluice::fakeapi::cloutly
