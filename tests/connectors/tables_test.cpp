// The table descriptions the connectors own, as the registry lists them.
#include <gtest/gtest.h>

#include <stdexcept>

#include "connectors/registry.hpp"
#include "connectors/review_tables.hpp"

namespace sluice {
namespace {

TEST(tables, every_table_starts_with_external_id_and_ends_with_raw_deleted_at) {
  for (const auto* t : connectors::all_tables()) {
    ASSERT_GE(t->columns.size(), 3u) << t->name;
    EXPECT_EQ(t->columns.front().name, "external_id") << t->name;
    EXPECT_EQ(t->columns[t->columns.size() - 2].name, "raw") << t->name;
    EXPECT_EQ(t->columns.back().name, "deleted_at") << t->name;
    EXPECT_EQ(connectors::find_table(t->name), t);
  }
  EXPECT_THROW(tables::reviews.index("nope"), std::out_of_range);
}

}  // namespace
}  // namespace sluice
