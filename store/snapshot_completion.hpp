#pragma once
// The writer's side of snapshot streams: forgetting the ids of an abandoned snapshot, and
// completing one (the safety valve, then marking the rows that were not seen).
#include "core/sink.hpp"
#include "store/batch_writer.hpp"
#include "store/writer_connection.hpp"
#include "store/writer_queue.hpp"

namespace sluice::store {

// begin_snapshot without resume: a new snapshot must not inherit an abandoned one's ids. Its
// own transaction, committed before the sink's next batch.
void forget_seen(writer_connection& connection, const writer_options& options,
                 const sink_state& sink);

// One transaction: count, apply the safety valve, mark the vanished rows, forget the ids, store
// the cursor. The scope is this source's rows in this stream's table; other sources' rows are
// never looked at. `j` is the complete_snapshot job.
snapshot_result complete_snapshot(writer_connection& connection, const writer_options& options,
                                  const sink_state& sink, const job& j);

}  // namespace sluice::store
