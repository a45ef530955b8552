#pragma once
// One commit of the writer: a group of batches of one sink, their rows merged into the target
// and their cursor stored in one transaction. Also the steps every writer transaction shares:
// the lease check first, the commit observer last.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/transaction>

#include "core/record.hpp"
#include "core/sink.hpp"
#include "store/batch_writer.hpp"
#include "store/writer_connection.hpp"
#include "store/writer_queue.hpp"

namespace sluice::store {

// The first statement of every transaction of a sink with a lease: nothing of the transaction
// commits unless we still hold the source's lease.
void fence(pqxx::work& tx, const sink_state& sink);

// Tells writer_options::on_commit about a transaction that committed.
void report(const writer_options& options, const sink_state& sink, std::int64_t records,
            const write_totals& totals, std::chrono::steady_clock::time_point began);

// Writes groups of batches (writer_queue::take) on the writer thread's connection. Keeps its
// buffers from one commit to the next.
class batch_commit {
public:
  batch_commit(writer_connection& connection, const writer_options& options)
      : connection_(connection), options_(options) {}

  // The group's rows and newest cursor in one transaction, repeated on a new connection when
  // the connection is lost. Throws what the database refused.
  write_totals commit(const sink_state& sink, std::vector<job>& group);

  // One row of the commit: its line (encoded_batch.hpp) and what classifying it needs.
  struct line_span {
    std::string_view line;  // newline included
    std::string_view id;    // the record's key, also to name it when PostgreSQL refuses the line
    bool keyed = false;     // it has a text key (not every row must)
    bool arrives_deleted = false;
  };

private:
  // Which lines take which way into the table.
  struct classified {
    std::vector<line_span> fresh;    // their key does not exist: straight into the target
    std::vector<line_span> changed;  // through the staging table and the merge
    std::int64_t deleted = 0;        // fresh rows that arrive deleted
  };

  write_totals commit_rows(const sink_state& sink, const std::vector<line_span>& lines,
                           const std::string* cursor, std::int64_t records, bool classify,
                           bool record_seen);
  classified classify_lines(pqxx::work& tx, const sink_state& sink, const std::string& ids,
                            const std::vector<line_span>& lines) const;
  void store_position(pqxx::work& tx, const sink_state& sink, const std::string* cursor,
                      std::int64_t records);
  void copy_lines(pqxx::work& tx, const std::string& table_name, const table_def& table,
                  const std::vector<line_span>& which);

  writer_connection& connection_;
  const writer_options& options_;
  std::string buffer_;  // one chunk on its way to libpq
};

}  // namespace sluice::store
