#pragma once
// What a refused write says, told without the customer data PostgreSQL quotes in it. A
// constraint's DETAIL ("Failing row contains (...)") prints the whole row, a COPY's CONTEXT the
// line's text, and some messages the offending value (`invalid input syntax for type integer:
// "..."`): author names and review texts would reach logs and sync_runs.error. What is kept is
// the statement's complaint, the constraint, table and column it names, and the record's id,
// which sluice recognises among the ids it sent.
#include <string>
#include <string_view>
#include <vector>

namespace sluice::store {

// What the writer knows about the rows of the statement that failed.
struct sent_rows {
  std::string_view source;
  // The ids of the last COPY's lines, in order (line 1 is copy_ids[0]); empty outside a COPY.
  std::vector<std::string_view> copy_ids;
  // Every id of the transaction, to recognise the one a DETAIL starts with.
  std::vector<std::string_view> ids;
};

// `message` (libpq's multi-line "ERROR: ...\nDETAIL: ...\nCONTEXT: ...") as one line: the
// primary message without a quoted value, then "(record 'ID', column NAME)" when they can be
// told. The record id is shortened and made printable.
std::string describe_sql_failure(std::string_view message, const sent_rows& rows);

}  // namespace sluice::store
