#pragma once
// Where sluice's tables live: the connection string and the schema name from [database].
#include <string>

namespace sluice::store {

struct database_options {
  std::string url;                // libpq URI or key=value string
  std::string schema = "sluice";  // every table lives here
};

}  // namespace sluice::store
