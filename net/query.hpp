#pragma once
// Building request URLs. Everything outside RFC 3986's unreserved set is percent-encoded, so a
// `+` in a value (a timestamp offset, a composed keyword) never turns into a space.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::net {

using query_params = std::vector<std::pair<std::string, std::string>>;

std::string percent_encode(std::string_view text);

// base_url + path + "?" + encoded params. `base_url` may end in '/', `path` may start with one;
// exactly one slash joins them. Empty params: no '?'.
std::string make_url(std::string_view base_url, std::string_view path,
                     const query_params& params = {});

}  // namespace sluice::net
