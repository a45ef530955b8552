// A refused write is told by its complaint, the constraint or column, and the record's id: never
// the row's content, which PostgreSQL quotes in DETAIL and CONTEXT.
#include "store/sql_failure.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sluice::store {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(sql_failure, a_check_violation_names_the_record_from_the_failing_row_not_its_content) {
  const sent_rows rows{"eu", {}, {"r-1", "r-10", "r-1, x"}};
  const std::string text = describe_sql_failure(
      "ERROR:  new row for relation \"reviews\" violates check constraint \"no_shouting\"\n"
      "DETAIL:  Failing row contains (eu, r-10, partoo, Jane Customer, I HATED IT, 1).\n",
      rows);
  EXPECT_EQ(text,
            "new row for relation \"reviews\" violates check constraint \"no_shouting\" "
            "(record 'r-10')");
  // Ids may contain the separator: the longest id that fits wins.
  EXPECT_THAT(
      describe_sql_failure("ERROR:  x\nDETAIL:  Failing row contains (eu, r-1, x, y).\n", rows),
      HasSubstr("record 'r-1, x'"));
}

TEST(sql_failure, a_copy_error_names_the_record_by_its_line_and_the_column) {
  const sent_rows rows{"eu", {"a", "b", "c"}, {"a", "b", "c"}};
  const std::string text = describe_sql_failure(
      "ERROR:  invalid input syntax for type smallint: \"Jane's secret text\"\n"
      "CONTEXT:  COPY reviews, line 2, column rating: \"Jane's secret text\"\n",
      rows);
  EXPECT_EQ(text, "invalid input syntax for type smallint (record 'b', column rating)");
}

TEST(sql_failure, quoted_values_in_the_message_are_not_shown) {
  const sent_rows rows{"eu", {}, {}};
  EXPECT_EQ(describe_sql_failure("ERROR:  value \"123456789012\" is out of range for type integer\n"
                                 "CONTEXT:  COPY reviews, line 9, column rating: \"123456789012\"",
                                 rows),
            "value (not shown) is out of range for type integer (column rating)");
  const std::string unique = describe_sql_failure(
      "ERROR:  duplicate key value violates unique constraint \"reviews_pkey\"\n"
      "DETAIL:  Key (source, external_id)=(eu, 77) already exists.\n",
      sent_rows{"eu", {}, {"77"}});
  EXPECT_EQ(unique,
            "duplicate key value violates unique constraint \"reviews_pkey\" (record '77')");
}

TEST(sql_failure, an_unknown_record_is_not_guessed_and_nothing_of_the_detail_leaks) {
  const std::string text = describe_sql_failure(
      "ERROR:  new row violates check constraint \"c\"\n"
      "DETAIL:  Failing row contains (eu, zzz, Private Person).\n",
      sent_rows{"eu", {}, {"a"}});
  EXPECT_EQ(text, "new row violates check constraint \"c\"");
  EXPECT_THAT(text, Not(HasSubstr("Private")));
}

}  // namespace
}  // namespace sluice::store
