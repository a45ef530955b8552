#pragma once
// The writer thread: the only place data rows reach PostgreSQL. Connectors' batches arrive through
// sinks (one per stream run) into a bounded queue; the thread COPYs them into a staging table,
// merges only new or changed rows into the target, and stores the batch's cursor, all in one
// transaction.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "core/sink.hpp"
#include "core/table.hpp"
#include "store/database.hpp"

namespace sluice::store {

struct writer_options {
  std::size_t max_queued_rows = 8'000;     // back-pressure: write() waits beyond this
  std::size_t max_rows_per_commit = 4'000;   // consecutive batches of one stream are coalesced
};

class batch_writer {
public:
  // Connects (throws sluice::error kind database) and starts the thread.
  batch_writer(database_options db, writer_options options = {});
  ~batch_writer();  // stop()
  batch_writer(const batch_writer&) = delete;
  batch_writer& operator=(const batch_writer&) = delete;

  // A sink for one run of one stream. Completions are delivered on `executor`. `run_id` is the
  // sync_runs row of this run.
  std::unique_ptr<sink> open(boost::asio::any_io_executor executor, std::string source,
                             std::string stream, const table_def& table, std::int64_t run_id);

  // Finishes the batch in flight, fails queued ones with kind cancelled, joins the thread.
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sluice::store
