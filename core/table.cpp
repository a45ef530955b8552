#include "core/table.hpp"

#include <stdexcept>
#include <string>

namespace sluice {

std::size_t table_def::index(std::string_view column_name) const {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i].name == column_name) return i;
  throw std::out_of_range("table " + std::string(name) + " has no column " +
                          std::string(column_name));
}

}  // namespace sluice
