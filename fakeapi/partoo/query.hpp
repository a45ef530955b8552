#pragma once
// Reading the Partoo API's request parameters with the vendor's validation: every bad parameter
// is named in one 400 answer, `{"errors":{"json":{"<field>":["<message>"]}}}`.
#include "fakeapi/partoo/store.hpp"
#include "fakeapi/router.hpp"

#include <cstdint>
#include <map>
#include <string>

namespace sluice::fakeapi::partoo {

using error_fields = std::map<std::string, std::string>;

std::string errors_json_field(const error_fields& errors);

// Page numbers: an integer from `first` on (1, or 0 where pages count from 0), default `first`.
std::int64_t page_param(const request& req, error_fields& errors, std::int64_t first);

// GET /reviews's parameters; a 400 reply_error naming every bad one.
review_query parse_review_query(const request& req);

}  // namespace sluice::fakeapi::partoo
