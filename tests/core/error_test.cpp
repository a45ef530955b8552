#include "core/error.hpp"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(classify_http_status, the_one_mapping) {
  EXPECT_EQ(classify_http_status(401), error_kind::auth);
  EXPECT_EQ(classify_http_status(403), error_kind::auth);
  EXPECT_EQ(classify_http_status(429), error_kind::throttled);
  EXPECT_EQ(classify_http_status(400), error_kind::client);
  EXPECT_EQ(classify_http_status(404), error_kind::client);
  EXPECT_EQ(classify_http_status(422), error_kind::client);
  EXPECT_EQ(classify_http_status(500), error_kind::server);
  EXPECT_EQ(classify_http_status(503), error_kind::server);
  EXPECT_TRUE(is_transient(error_kind::server));
  EXPECT_TRUE(is_transient(error_kind::throttled));
  EXPECT_FALSE(is_transient(error_kind::auth));
  EXPECT_FALSE(is_transient(error_kind::client));
  EXPECT_FALSE(is_transient(error_kind::data));
}

}  // namespace
}  // namespace sluice
