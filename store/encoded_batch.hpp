#pragma once
// A batch as the writer thread needs it: its rows already in COPY text, and of each row only
// what a commit still reads. The sink encodes on the caller's thread when the batch is written,
// so the encoding of the next pages overlaps the database's work on the commit before them (the
// writer thread, waiting on PostgreSQL half of the time, is the first load's critical path), and
// the queue holds each row once, as the text that will be sent.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/record.hpp"
#include "core/table.hpp"
#include "core/time.hpp"

namespace sluice::store {

struct encoded_row {
  std::size_t begin = 0;             // the line in encoded_batch::lines
  std::size_t end = 0;               // one past its newline
  std::optional<std::string> id;     // the key, when it is text (rows without one are never merged)
  std::optional<timestamp> version;  // the table's update time, when the row has one
  bool arrives_deleted = false;      // deleted_at is set
};

struct encoded_batch {
  std::string lines;
  std::vector<encoded_row> rows;

  std::string_view line(const encoded_row& r) const {
    return std::string_view(lines).substr(r.begin, r.end - r.begin);
  }
};

// Encodes `rows` of `table`, each line starting with `prefix` (the source, encoded).
encoded_batch encode_batch(std::string_view prefix, const table_def& table,
                           const std::vector<row>& rows);

// Whether `candidate`, met after `kept` in one commit, replaces it: unless both carry an update
// time and the one kept is strictly newer, the later one wins.
bool supersedes(const encoded_row& candidate, const encoded_row& kept);

}  // namespace sluice::store
