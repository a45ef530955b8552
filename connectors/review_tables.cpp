#include "connectors/review_tables.hpp"

namespace sluice::tables {
namespace {
using t = column_type;
}

const table_def reviews{"reviews",
                        {{"external_id", t::text},
                         {"provider", t::text},
                         {"business_external_id", t::text},
                         {"platform", t::text},
                         {"author_name", t::text},
                         {"rating", t::numeric},
                         {"recommended", t::boolean},
                         {"title", t::text},
                         {"content", t::text},
                         {"status", t::text},
                         {"review_url", t::text},
                         {"reply_content", t::text},
                         {"reply_author", t::text},
                         {"reply_at", t::timestamptz},
                         {"tags", t::text_array},
                         {"created_at", t::timestamptz},
                         {"updated_at", t::timestamptz},
                         {"archived", t::boolean},
                         {"raw", t::jsonb},
                         {"deleted_at", t::timestamptz}}};

const table_def businesses{"businesses",
                           {{"external_id", t::text},
                            {"provider", t::text},
                            {"name", t::text},
                            {"platforms", t::text_array},
                            {"address", t::text},
                            {"city", t::text},
                            {"zipcode", t::text},
                            {"country", t::text},
                            {"status", t::text},
                            {"raw", t::jsonb},
                            {"deleted_at", t::timestamptz}}};

}  // namespace sluice::tables
