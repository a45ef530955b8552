#include "core/error.hpp"
#include "core/tables.hpp"

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

TEST(tables, every_table_starts_with_external_id_and_ends_with_raw_deleted_at) {
  for (const auto* t : tables::all()) {
    ASSERT_GE(t->columns.size(), 3u) << t->name;
    EXPECT_EQ(t->columns.front().name, "external_id") << t->name;
    EXPECT_EQ(t->columns[t->columns.size() - 2].name, "raw") << t->name;
    EXPECT_EQ(t->columns.back().name, "deleted_at") << t->name;
    EXPECT_EQ(tables::find(t->name), t);
  }
  EXPECT_THROW(tables::reviews.index("nope"), std::out_of_range);
}

}  // namespace
}  // namespace sluice
