#pragma once
// Helpers for the store tests: a private schema per test in SLUICE_TEST_DATABASE_URL, a direct
// connection to inspect what the store wrote, and a way to drive coroutines to completion.
#include <chrono>
#include <cstdlib>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "core/record.hpp"
#include "connectors/review_tables.hpp"
#include "store/database.hpp"
#include "store/leases.hpp"
#include "store/migrations.hpp"
#include "store/process_identity.hpp"
#include "store/redact.hpp"

namespace sluice::store::testing {

inline std::optional<std::string> test_database_url() {
  const char* url = std::getenv("SLUICE_TEST_DATABASE_URL");
  if (url == nullptr || *url == '\0') return std::nullopt;
  return std::string(url);
}

// Skips the test when no database is configured.
#define SLUICE_REQUIRE_DATABASE()                                                    \
  do {                                                                               \
    if (!::sluice::store::testing::test_database_url())                              \
      GTEST_SKIP() << "SLUICE_TEST_DATABASE_URL is not set; skipping database test"; \
  } while (0)

// Drops `schema` (left over from an earlier run) and returns options pointing at it.
inline database_options fresh_schema(const std::string& schema) {
  database_options db{*test_database_url(), schema};
  pqxx::connection c(db.url);
  pqxx::nontransaction tx(c);
  tx.exec("SET client_min_messages = warning");
  tx.exec("DROP SCHEMA IF EXISTS " + quote_identifier(schema) + " CASCADE");
  return db;
}

// A migrated schema of its own for one test.
inline database_options migrated_schema(const std::string& schema) {
  database_options db = fresh_schema(schema);
  migrate(db);
  return db;
}

// A connection for inspecting the store's work, with search_path set to the test schema.
inline std::unique_ptr<pqxx::connection> inspect(const database_options& db) {
  auto c = std::make_unique<pqxx::connection>(db.url);
  pqxx::nontransaction tx(*c);
  tx.exec("SET search_path TO " + quote_identifier(db.schema) + "; SET TimeZone TO 'UTC'");
  return c;
}

inline pqxx::result query(const database_options& db, const std::string& sql) {
  auto c = inspect(db);
  pqxx::nontransaction tx(*c);
  return tx.exec(sql);
}

// A result as text, NULL spelled "<NULL>", for comparing whole query results in one EXPECT_EQ.
using result_rows = std::vector<std::vector<std::string>>;

inline result_rows rows_of(const database_options& db, const std::string& sql) {
  result_rows out;
  for (const auto& r : query(db, sql)) {
    std::vector<std::string> cells;
    for (const auto& f : r) cells.push_back(f.is_null() ? "<NULL>" : f.as<std::string>());
    out.push_back(std::move(cells));
  }
  return out;
}

template <typename T>
T scalar(const database_options& db, const std::string& sql) {
  auto r = query(db, sql);
  return r.at(0).at(0).as<T>();
}

// Runs the coroutine `make(executor)` on a fresh io_context until it finishes; rethrows.
template <typename Make>
auto run_coroutine(Make make) {
  boost::asio::io_context io;
  auto future = boost::asio::co_spawn(io, make(io.get_executor()), boost::asio::use_future);
  io.run();
  return future.get();
}

// Polls `sql` (one boolean) until it is true, for up to a minute; false if it never was. For
// waiting on the database's clock or on another session's state, never on our own speed.
inline bool eventually(const database_options& db, const std::string& sql) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (std::chrono::steady_clock::now() < deadline) {
    if (scalar<bool>(db, sql)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// The pid of a process of ours that has exited and been reaped: no process has it now.
inline int dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return static_cast<int>(child);
}

// A lease holder named `holder` that is process `pid` of this boot and pid namespace, with an
// instance id of its own: several stores of one test then judge each other like separate
// processes on one machine (a dead pid frees its leases at once, a live one keeps them).
inline lease_identity holder_here(std::string holder, int pid) {
  process_identity p = this_process();
  p.instance_id = random_instance_id();
  p.pid = pid;
  p.start_ticks = process_start_ticks(pid);
  return {std::move(holder), "test-host", std::move(p)};
}

// A valid reviews row.
inline row sample_review(const std::string& id, const std::string& content = "great") {
  const table_def& t = tables::reviews;
  row r = make_row(t);
  r[t.index("external_id")] = id;
  r[t.index("provider")] = std::string("partoo");
  r[t.index("content")] = content;
  r[t.index("raw")] = std::string(R"({"id":")" + id + R"("})");
  return r;
}

}  // namespace sluice::store::testing
