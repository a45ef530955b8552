#pragma once
// The values of a row that PostgreSQL would refuse with a message naming nothing: identifiers
// with a NUL (the id array of a commit becomes a "malformed array literal"), identifiers too long
// for a btree index entry (every run would fail on the same index), text that is not UTF-8.
// Checked before a batch is queued, so the run fails naming the record and the field instead.
#include <cstddef>
#include <string_view>

#include "core/record.hpp"

namespace sluice::store {

// Throws sluice::error (kind data) "source 's', stream 'x': record '12…', field external_id:
// ..." for the first identifier column (`external_id`, `*_external_id`) that is empty (the key
// only), longer than max_id_bytes (core/record.hpp), holds a NUL or is not valid UTF-8. The record
// id quoted is shortened and made printable.
void check_storable(std::string_view source, std::string_view stream, const table_def& table,
                    const row& r);

}  // namespace sluice::store
