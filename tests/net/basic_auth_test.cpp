#include <gtest/gtest.h>

#include "net/authenticator.hpp"

namespace sluice::net {
namespace {

TEST(basic_auth, rfc7617_example_and_clevertim_token_form) {
  request req;
  basic_auth("Aladdin", secret("open sesame")).apply(req);
  ASSERT_EQ(req.headers.size(), 1u);
  EXPECT_EQ(req.headers[0].name, "Authorization");
  EXPECT_EQ(req.headers[0].value, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");

  request token;
  basic_auth("tok123", secret("X")).apply(token);
  EXPECT_EQ(token.headers[0].value, "Basic dG9rMTIzOlg=");
  // A 401 is final: Basic has nothing to renew.
  response denied;
  denied.status = 401;
  EXPECT_FALSE(basic_auth("a", secret("b")).renew(denied));
}

}  // namespace
}  // namespace sluice::net
