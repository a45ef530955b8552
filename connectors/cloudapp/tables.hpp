#pragma once
// CloudApp's table: one row per item (file or bookmark) per source, trashed items included.
#include "core/table.hpp"

namespace sluice::tables {

extern const table_def cloudapp_items;

}  // namespace sluice::tables
