#include "store/encoded_batch.hpp"

#include "store/copy_encoder.hpp"

namespace sluice::store {
namespace {

// The column that says which of two versions of a record is newer, if the table has one.
std::optional<std::size_t> version_column(const table_def& table) {
  for (std::string_view name : {"updated_at", "modified_at"})
    for (std::size_t i = 0; i < table.columns.size(); ++i)
      if (table.columns[i].name == name && table.columns[i].type == column_type::timestamptz)
        return i;
  return std::nullopt;
}

}  // namespace

encoded_batch encode_batch(std::string_view prefix, const table_def& table,
                           const std::vector<row>& rows) {
  encoded_batch out;
  out.rows.reserve(rows.size());
  const auto version = version_column(table);
  const std::size_t deleted_at = table.columns.size() - 1;
  for (const row& r : rows) {
    encoded_row e;
    e.begin = out.lines.size();
    append_copy_row(out.lines, prefix, table, r);
    e.end = out.lines.size();
    if (const auto* id = std::get_if<std::string>(&r[0])) e.id = *id;
    if (version)
      if (const auto* t = std::get_if<timestamp>(&r[*version])) e.version = *t;
    e.arrives_deleted = !std::holds_alternative<std::monostate>(r[deleted_at]);
    out.rows.push_back(std::move(e));
  }
  // The text grew by doubling: up to half of it would be spare capacity, held in the writer's
  // queue (thousands of rows) until the commit. One copy of a page's text gives it back.
  out.lines.shrink_to_fit();
  return out;
}

bool supersedes(const encoded_row& candidate, const encoded_row& kept) {
  return !candidate.version || !kept.version || !(*candidate.version < *kept.version);
}

}  // namespace sluice::store
