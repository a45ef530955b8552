#pragma once
// A minimal blocking HTTP/1.1 client for the fake's control endpoints (tests only; one request
// per connection). Deliberately not the product's client: tests must not trust what they test.
#include <string>

namespace sluice::test {

struct http_reply {
  int status = 0;
  std::string body;
};

http_reply http_request(int port, const std::string& method, const std::string& target,
                        const std::string& body = {});

}  // namespace sluice::test
