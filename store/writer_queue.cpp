#include "store/writer_queue.hpp"

#include <chrono>
#include <stdexcept>
#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "core/error.hpp"
#include "store/copy_encoder.hpp"
#include "store/row_check.hpp"

namespace sluice::store {
namespace {

namespace asio = boost::asio;

template <typename Handler>
class handler_waiter final : public waiter {
public:
  handler_waiter(Handler handler, const asio::any_io_executor& fallback)
      : work_(asio::get_associated_executor(handler, fallback)), handler_(std::move(handler)) {}

  void complete() override {
    asio::post(work_.get_executor(), [h = std::move(handler_)]() mutable { std::move(h)(); });
    work_.reset();
  }

private:
  asio::executor_work_guard<asio::associated_executor_t<Handler, asio::any_io_executor>> work_;
  Handler handler_;
};

error cancelled_error() {
  return error(error_kind::cancelled, "the database writer is shutting down");
}

// Suspends the calling coroutine until `ready` holds (checked under the lock, so no wake-up is
// lost between the check and the registration). Deliberately not a coroutine itself: it returns
// the operation's awaitable, so no extra frame holds copies of the shared pointers.
template <typename Ready, typename Select>
asio::awaitable<void> wait_until(const std::shared_ptr<writer_queue>& c,
                                 const std::shared_ptr<sink_state>& s, Ready ready, Select list) {
  return asio::async_initiate<decltype(asio::use_awaitable), void()>(
      [c, s, ready, list](auto handler) {
        auto w =
            std::make_unique<handler_waiter<decltype(handler)>>(std::move(handler), s->executor);
        std::unique_lock lock(c->mutex);
        if (ready(*c, *s)) {
          lock.unlock();
          w->complete();
          return;
        }
        list(*c, *s).push_back(std::move(w));
        lock.unlock();
        // A lingering commit of this sink must not keep its flush waiting.
        c->wake.notify_all();
      },
      asio::use_awaitable);
}

class writer_sink final : public sink {
public:
  writer_sink(std::shared_ptr<writer_queue> c, std::shared_ptr<sink_state> s)
      : core_(std::move(c)), state_(std::move(s)) {}

  asio::awaitable<void> write(record_batch batch) override {
    check_batch(batch);
    if (state_->counters) state_->requests.store(state_->counters->requests);
    // Here, on the caller's thread, not on the writer's: see encoded_batch.hpp.
    job j{state_, encode_batch(state_->line_prefix, *state_->table, batch.rows),
          std::move(batch.cursor_after)};
    batch.rows = {};
    const std::size_t rows = j.rows.rows.size();

    bool must_wait = false;
    {
      std::lock_guard lock(core_->mutex);
      if (state_->failure) std::rethrow_exception(state_->failure);
      if (core_->stopping) throw cancelled_error();
      state_->totals.records += static_cast<std::int64_t>(rows);
      if (rows == 0 && !j.cursor_after) co_return;
      core_->queued_rows += rows;
      ++state_->pending;
      j.record_seen = state_->in_snapshot;
      core_->queue.push_back(std::move(j));
      must_wait = !core_->has_room();
    }
    core_->wake.notify_one();
    if (!must_wait) co_return;

    co_await wait_until(
        core_, state_,
        [](const writer_queue& c, const sink_state& s) {
          return c.has_room() || c.stopping || s.failure;
        },
        [](writer_queue& c, sink_state&) -> waiter_list& { return c.room_waiters; });
    std::lock_guard lock(core_->mutex);
    if (state_->failure) std::rethrow_exception(state_->failure);
  }

  write_totals committed() const override {
    std::lock_guard lock(core_->mutex);
    return state_->totals;
  }

  asio::awaitable<write_totals> flush() override {
    co_await all_done();
    std::lock_guard lock(core_->mutex);
    if (state_->failure) std::rethrow_exception(state_->failure);
    co_return state_->totals;
  }

  asio::awaitable<void> begin_snapshot(bool resume) override {
    refuse_snapshot_of_backfill();
    {
      std::lock_guard lock(core_->mutex);
      if (state_->failure) std::rethrow_exception(state_->failure);
      if (core_->stopping) throw cancelled_error();
      state_->in_snapshot = true;
      // Resuming keeps what the interrupted run saw: nothing to do in the database.
      if (resume) co_return;
      job j{state_, {}, {}};
      j.kind = job_kind::forget_seen;
      ++state_->pending;
      core_->queue.push_back(std::move(j));
    }
    core_->wake.notify_one();
  }

  asio::awaitable<snapshot_result> complete_snapshot(
      double max_delete_fraction, std::optional<std::string> cursor_after) override {
    // NaN or a negative fraction would disarm or distort the valve: read them as "delete
    // nothing"; above 1 means the same as 1.
    if (!(max_delete_fraction >= 0.0)) max_delete_fraction = 0.0;
    if (max_delete_fraction > 1.0) max_delete_fraction = 1.0;
    refuse_snapshot_of_backfill();
    {
      std::lock_guard lock(core_->mutex);
      if (state_->failure) std::rethrow_exception(state_->failure);
      if (core_->stopping) throw cancelled_error();
      // Without begin_snapshot nothing was recorded, and whatever an older run left behind
      // would decide what gets deleted.
      if (!state_->in_snapshot)
        throw std::logic_error("complete_snapshot() of " + state_->source + "/" + state_->stream +
                               " without begin_snapshot()");
      state_->in_snapshot = false;
      state_->snapshot_outcome.reset();
      job j{state_, {}, std::move(cursor_after)};
      j.kind = job_kind::complete_snapshot;
      j.max_delete_fraction = max_delete_fraction;
      ++state_->pending;
      core_->queue.push_back(std::move(j));
    }
    core_->wake.notify_one();
    co_await all_done();
    std::lock_guard lock(core_->mutex);
    if (state_->failure) std::rethrow_exception(state_->failure);
    if (!state_->snapshot_outcome) throw cancelled_error();
    co_return *state_->snapshot_outcome;
  }

private:
  // Refused at the door, on the caller's side: a malformed row must fail its own write(), not
  // some later commit of the stream.
  void check_batch(const record_batch& batch) const {
    const table_def& table = *state_->table;
    if (batch.table != nullptr && batch.table != &table)
      throw error(error_kind::data,
                  fmt::format("a batch for table {} was written to the sink of {}",
                              batch.table->name, table.name));
    for (const auto& r : batch.rows) {
      if (r.size() != table.columns.size())
        throw error(error_kind::data, fmt::format("a row for {} has {} cells instead of {}",
                                                  table.name, r.size(), table.columns.size()));
      check_storable(state_->source, state_->stream, table, r);
    }
  }

  // Resumes when every job of this sink queued so far has run.
  asio::awaitable<void> all_done() const {
    return wait_until(
        core_, state_, [](const writer_queue&, const sink_state& s) { return s.pending == 0; },
        [](writer_queue&, sink_state& s) -> waiter_list& { return s.flush_waiters; });
  }

  // A backfill reads a range, not everything: completing it as a snapshot would mark every row
  // outside the range deleted.
  void refuse_snapshot_of_backfill() const {
    if (state_->backfill_job)
      throw error(error_kind::data,
                  fmt::format("{}/{}: a backfill is never a snapshot (backfill job {})",
                              state_->source, state_->stream, *state_->backfill_job));
  }

  std::shared_ptr<writer_queue> core_;
  std::shared_ptr<sink_state> state_;
};

}  // namespace

void complete_all(waiter_list& waiters) {
  waiter_list ready = std::move(waiters);
  waiters.clear();
  for (auto& w : ready) w->complete();
}

void writer_queue::fail(sink_state& sink, std::exception_ptr e) {
  if (!sink.failure) sink.failure = std::move(e);
  for (auto it = queue.begin(); it != queue.end();) {
    if (it->sink.get() == &sink) {
      queued_rows -= it->rows.rows.size();
      --sink.pending;
      it = queue.erase(it);
    } else {
      ++it;
    }
  }
  if (sink.pending == 0) complete_all(sink.flush_waiters);
}

bool writer_queue::take(std::vector<job>& group) {
  std::unique_lock lock(mutex);
  wake.wait(lock, [&] { return stopping || !queue.empty(); });
  if (stopping) {
    auto cancelled = std::make_exception_ptr(cancelled_error());
    while (!queue.empty()) {
      auto s = queue.front().sink;
      fail(*s, cancelled);
    }
    complete_all(room_waiters);
    return false;
  }
  group = next_group(lock);
  return true;
}

// Whether `next`, queued after `group`, may share its commit: only batches of one sink on the
// same side of a snapshot boundary do; snapshot steps run on their own.
bool writer_queue::joins(const std::vector<job>& group, std::size_t rows, const job& next) const {
  const job& first = group.front();
  return next.sink == first.sink && next.kind == job_kind::rows && first.kind == job_kind::rows &&
         next.record_seen == first.record_seen &&
         rows + next.rows.rows.size() <= options.max_rows_per_commit;
}

std::vector<job> writer_queue::next_group(std::unique_lock<std::mutex>& lock) {
  std::vector<job> group;
  std::size_t rows = 0;
  const auto linger_until = std::chrono::steady_clock::now() + options.commit_linger;
  for (;;) {
    while (!queue.empty() && (group.empty() || joins(group, rows, queue.front()))) {
      rows += queue.front().rows.rows.size();
      queued_rows -= queue.front().rows.rows.size();
      group.push_back(std::move(queue.front()));
      queue.pop_front();
    }
    if (has_room()) complete_all(room_waiters);
    // Something else is next, the commit is full, or the stream waits for it: commit now.
    const sink_state& sink = *group.front().sink;
    if (!queue.empty() || group.front().kind != job_kind::rows ||
        rows >= options.max_rows_per_commit || stopping || !sink.flush_waiters.empty())
      return group;
    const bool more = wake.wait_until(lock, linger_until, [&] {
      return !queue.empty() || stopping || !sink.flush_waiters.empty();
    });
    if (!more) return group;
  }
}

void writer_queue::settle(sink_state& sink, std::size_t jobs, group_outcome outcome) {
  std::lock_guard lock(mutex);
  if (outcome.failure) {
    sink.pending -= jobs;
    fail(sink, outcome.failure);
  } else {
    sink.totals.inserted += outcome.totals.inserted;
    sink.totals.updated += outcome.totals.updated;
    sink.totals.deleted += outcome.totals.deleted;
    if (outcome.snapshot) {
      sink.totals.deleted += outcome.snapshot->deleted;
      if (outcome.snapshot->suspicious) {
        sink.totals.suspicious = true;
        sink.totals.suspicious_reason = outcome.snapshot->reason;
      }
      sink.snapshot_outcome = std::move(outcome.snapshot);
    }
    sink.pending -= jobs;
    if (sink.pending == 0) complete_all(sink.flush_waiters);
  }
  if (has_room()) complete_all(room_waiters);
}

void writer_queue::stop() {
  {
    std::lock_guard lock(mutex);
    stopping = true;
  }
  wake.notify_all();
}

std::unique_ptr<sink> open_sink(std::shared_ptr<writer_queue> queue,
                                boost::asio::any_io_executor executor, sink_options options) {
  auto s = std::make_shared<sink_state>();
  s->executor = std::move(executor);
  s->source = std::move(options.source);
  s->stream = std::move(options.stream);
  s->table = options.table;
  s->run_id = options.run_id;
  s->lease_holder = std::move(options.lease_holder);
  s->backfill_job = options.backfill_job;
  s->counters = options.counters;
  append_copy_text(s->line_prefix, s->source);
  s->line_prefix += '\t';
  return std::make_unique<writer_sink>(std::move(queue), std::move(s));
}

}  // namespace sluice::store
