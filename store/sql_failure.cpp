#include "store/sql_failure.hpp"

#include <charconv>
#include <optional>

#include "core/utf8_text.hpp"

namespace sluice::store {
namespace {

constexpr std::size_t quoted_id_bytes = 40;

// The text after `label` on the line that starts with it ("DETAIL:  ...").
std::optional<std::string_view> field(std::string_view message, std::string_view label) {
  for (std::size_t at = 0; at < message.size();) {
    const auto end = std::min(message.find('\n', at), message.size());
    std::string_view line = message.substr(at, end - at);
    if (line.rfind(label, 0) == 0) {
      line.remove_prefix(label.size());
      while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
      return line;
    }
    at = end + 1;
  }
  return std::nullopt;
}

// The first line without "ERROR:", cut before a quoted value (`...: "the value"`).
std::string primary(std::string_view message) {
  std::string_view line = message.substr(0, message.find('\n'));
  if (line.rfind("ERROR:", 0) == 0) line.remove_prefix(6);
  while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  if (auto quote = line.find(": \""); quote != std::string_view::npos) line = line.substr(0, quote);
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.remove_suffix(1);
  // `value "12345678901" is out of range for type integer`: the value goes, the complaint stays.
  std::string out(line);
  if (auto at = out.find("value \""); at != std::string::npos) {
    const auto close = out.find('"', at + 7);
    if (close != std::string::npos) out.replace(at + 6, close - at + 1 - 6, "(not shown)");
  }
  return out;
}

// From a COPY CONTEXT "COPY t, line 3, column rating: "..."": the line number and the column.
void from_copy_context(std::string_view context, std::optional<std::size_t>& line,
                       std::string& column) {
  if (auto at = context.find(", line "); at != std::string_view::npos) {
    const char* begin = context.data() + at + 7;
    std::size_t n = 0;
    auto [end, ec] = std::from_chars(begin, context.data() + context.size(), n);
    if (ec == std::errc() && end != begin) line = n;
  }
  if (auto at = context.find(", column "); at != std::string_view::npos) {
    auto rest = context.substr(at + 9);
    column = std::string(rest.substr(0, rest.find(':')));
  }
}

// The id that `values` ("src, id, ...)" as PostgreSQL prints a row) starts with after the source:
// the longest known id followed by a separator, since ids may contain ", " themselves.
std::optional<std::string_view> id_in_row(std::string_view values, const sent_rows& rows) {
  const std::string prefix = std::string(rows.source) + ", ";
  if (values.rfind(prefix, 0) != 0) return std::nullopt;
  values.remove_prefix(prefix.size());
  std::optional<std::string_view> best;
  for (auto id : rows.ids) {
    if (values.size() <= id.size() || values.compare(0, id.size(), id) != 0) continue;
    const char next = values[id.size()];
    if ((next == ',' || next == ')') && (!best || id.size() > best->size())) best = id;
  }
  return best;
}

std::optional<std::string_view> id_in_detail(std::string_view detail, const sent_rows& rows) {
  for (std::string_view opening : {"Failing row contains (", "Key (source, external_id)=("}) {
    if (auto at = detail.find(opening); at != std::string_view::npos)
      return id_in_row(detail.substr(at + opening.size()), rows);
  }
  return std::nullopt;
}

}  // namespace

std::string describe_sql_failure(std::string_view message, const sent_rows& rows) {
  std::string out = primary(message);
  std::optional<std::string_view> id;
  std::string column;
  if (auto context = field(message, "CONTEXT:")) {
    std::optional<std::size_t> line;
    from_copy_context(*context, line, column);
    if (line && *line >= 1 && *line <= rows.copy_ids.size()) id = rows.copy_ids[*line - 1];
  }
  if (!id)
    if (auto detail = field(message, "DETAIL:")) id = id_in_detail(*detail, rows);
  if (id || !column.empty()) {
    out += " (";
    if (id) out += "record '" + utf8_safe(*id, quoted_id_bytes) + "'";
    if (id && !column.empty()) out += ", ";
    if (!column.empty()) out += "column " + column;
    out += ")";
  }
  return out;
}

}  // namespace sluice::store
