#pragma once
// The writer thread's connection: the session settings and prepared statements every commit
// relies on, the staging tables set up on it, and the loop that repeats a transaction on a new
// connection when the old one is lost.
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <pqxx/connection>

#include "core/table.hpp"
#include "store/database.hpp"
#include "store/sql_failure.hpp"

namespace sluice::store {

// libpq's multi-line "ERROR:  ...\nCONTEXT:  ..." as one log-friendly line.
std::string one_line(std::string text);

class writer_connection {
public:
  // `stopping` is the writer's stop flag: a stopping writer gives up reconnecting early.
  writer_connection(database_options db, const bool& stopping);

  // Connects and prepares the session (throws on failure).
  void open();
  // The connection, opened again if it was lost.
  pqxx::connection& get();
  // Whether a connection is open now.
  bool is_open() const { return conn_ && conn_->is_open(); }
  // A lost connection is replaced before the next commit; its temp tables went with it.
  void drop_if_lost() {
    if (conn_ && !conn_->is_open()) conn_.reset();
  }
  void close() { conn_.reset(); }

  // Per connection and table: a staging table that only ever holds one transaction's rows, and
  // the merge statement, prepared once.
  void prepare_table(const table_def& table);

  const database_options& db() const { return db_; }
  const std::string& schema() const { return schema_; }  // quoted

  // Runs `f` (one transaction) until it succeeds, repeating it on a new connection while the
  // connection is lost (a restart, a terminated backend, a server that stopped answering) until
  // [database] reconnect_for is spent. Repeating is safe: nothing was committed, or, for an
  // in-doubt COMMIT (lost while committing), the repeat writes the same upserts and cursor again.
  // Except a snapshot's completion: had it happened, its ids would be gone and a repeat would
  // report a false alarm, so `repeat_in_doubt` is false there.
  template <typename F>
  auto with_reconnects(bool repeat_in_doubt, F f) {
    using result = std::invoke_result_t<F&>;
    if constexpr (std::is_void_v<result>) {
      repeat(repeat_in_doubt, [&] { f(); });
    } else {
      std::optional<result> out;
      repeat(repeat_in_doubt, [&] { out.emplace(f()); });
      return std::move(*out);
    }
  }

  sent_rows sent;  // the ids of the transaction in progress, to name a refused record

private:
  void repeat(bool repeat_in_doubt, const std::function<void()>& f);
  void prepare_session();

  database_options db_;
  const bool& stopping_;
  std::string schema_;
  std::unique_ptr<pqxx::connection> conn_;
  std::set<std::string_view> staged_tables_;  // staging table + statements exist on `conn_`
};

}  // namespace sluice::store
