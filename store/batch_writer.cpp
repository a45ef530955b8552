#include "store/batch_writer.hpp"

#include <exception>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <pqxx/except>

#include "store/commit.hpp"
#include "store/connection.hpp"
#include "store/redact.hpp"
#include "store/snapshot_completion.hpp"
#include "store/sql_failure.hpp"
#include "store/writer_connection.hpp"
#include "store/writer_queue.hpp"

namespace sluice::store {
namespace {

// What a failed job was doing, for the front of its error message.
std::string failure_context(job_kind kind, const sink_state& sink) {
  switch (kind) {
    case job_kind::rows:
      return fmt::format("cannot write {}/{} to table {}", sink.source, sink.stream,
                         sink.table->name);
    case job_kind::forget_seen:
      return fmt::format("cannot start the snapshot of {}/{}", sink.source, sink.stream);
    case job_kind::complete_snapshot:
      return fmt::format("cannot complete the snapshot of {}/{} in table {}", sink.source,
                         sink.stream, sink.table->name);
  }
  return {};
}

}  // namespace

// Everything the writer thread owns: the connection and what was set up on it. `shared` is
// declared first: the connection and the commit refer to its stop flag and options.
struct batch_writer::impl {
  impl(database_options db, writer_options options)
      : shared(std::make_shared<writer_queue>(std::move(options))),
        connection(std::move(db), shared->stopping),
        batches(connection, shared->options) {}

  std::shared_ptr<writer_queue> shared;
  writer_connection connection;
  batch_commit batches;
  std::thread thread;

  void run();
  group_outcome process(std::vector<job>& group);
};

group_outcome batch_writer::impl::process(std::vector<job>& group) {
  sink_state& sink = *group.front().sink;
  const job_kind kind = group.front().kind;
  group_outcome outcome;
  try {
    switch (kind) {
      case job_kind::rows: outcome.totals = batches.commit(sink, group); break;
      case job_kind::forget_seen:
        connection.with_reconnects(true, [&] { forget_seen(connection, shared->options, sink); });
        break;
      case job_kind::complete_snapshot:
        outcome.snapshot = connection.with_reconnects(false, [&] {
          return complete_snapshot(connection, shared->options, sink, group.front());
        });
        break;
    }
  } catch (const error&) {
    outcome.failure = std::current_exception();
  } catch (const std::exception& e) {
    // A refused statement is told by its complaint and the record's id, never the row's content.
    const bool refused = dynamic_cast<const pqxx::sql_error*>(&e) != nullptr;
    const std::string why =
        refused ? describe_sql_failure(e.what(), connection.sent) : one_line(e.what());
    outcome.failure = std::make_exception_ptr(
        error(error_kind::database,
              failure_context(kind, sink) + ": " + redact_secrets(why, connection.db().url)));
  } catch (...) {
    outcome.failure = std::make_exception_ptr(
        error(error_kind::database,
              fmt::format("cannot write {}/{}: unknown failure", sink.source, sink.stream)));
  }
  // A lost connection is replaced before the next commit; its temp tables went with it.
  if (outcome.failure) connection.drop_if_lost();
  return outcome;
}

void batch_writer::impl::run() {
  std::vector<job> group;
  while (shared->take(group)) {
    group_outcome outcome = process(group);
    shared->settle(*group.front().sink, group.size(), std::move(outcome));
    group.clear();
  }
}

batch_writer::batch_writer(database_options db, writer_options options)
    : impl_(std::make_unique<impl>(std::move(db), std::move(options))) {
  try {
    impl_->connection.open();
  } catch (const error&) {
    throw;
  } catch (const std::exception& e) {
    throw database_error("cannot prepare the database writer", e, impl_->connection.db());
  }
  impl_->thread = std::thread([writer = impl_.get()] { writer->run(); });
}

batch_writer::~batch_writer() { stop(); }

std::unique_ptr<sink> batch_writer::open(boost::asio::any_io_executor executor, std::string source,
                                         std::string stream, const table_def& table,
                                         std::int64_t run_id) {
  sink_options options;
  options.source = std::move(source);
  options.stream = std::move(stream);
  options.table = &table;
  options.run_id = run_id;
  return open(std::move(executor), std::move(options));
}

std::unique_ptr<sink> batch_writer::open(boost::asio::any_io_executor executor,
                                         sink_options options) {
  if (options.table == nullptr)
    throw std::invalid_argument("batch_writer::open: sink_options.table of " + options.source +
                                "/" + options.stream + " is not set");
  return open_sink(impl_->shared, std::move(executor), std::move(options));
}

void batch_writer::stop() {
  if (!impl_) return;
  impl_->shared->stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->connection.close();
}

}  // namespace sluice::store
