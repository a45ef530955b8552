#include "connectors/cloudapp/tables.hpp"

namespace sluice::tables {
namespace {
using t = column_type;
}

const table_def cloudapp_items{"cloudapp_items",
                               {{"external_id", t::text},
                                {"name", t::text},
                                {"item_type", t::text},
                                {"url", t::text},
                                {"content_url", t::text},
                                {"redirect_url", t::text},
                                {"remote_url", t::text},
                                {"view_counter", t::bigint},
                                {"private", t::boolean},
                                {"created_at", t::timestamptz},
                                {"updated_at", t::timestamptz},
                                {"trashed_at", t::timestamptz},
                                {"raw", t::jsonb},
                                {"deleted_at", t::timestamptz}}};

}  // namespace sluice::tables
