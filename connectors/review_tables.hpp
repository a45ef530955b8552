#pragma once
// The tables of customer reviews, shared by the review connectors (Partoo and Cloutly): one row
// per review or business per source, `provider` telling whose. Created by the schema migrations;
// a store test checks that these descriptions and the migrated database agree column by column.
#include "core/table.hpp"

namespace sluice::tables {

extern const table_def reviews;
extern const table_def businesses;

}  // namespace sluice::tables
