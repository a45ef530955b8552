#pragma once
// What every connector fuzz target checks besides "no crash": a body either maps to rows or is
// refused with sluice::error, and every mapped row encodes as a COPY line (what the writer does
// next), so an odd value cannot fail deeper in the pipeline in a way the connector did not name.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "connectors/json_body.hpp"
#include "core/error.hpp"
#include "core/record.hpp"
#include "core/run_counters.hpp"
#include "store/copy_encoder.hpp"

namespace sluice::fuzz {

inline constexpr connectors::body_origin origin{"fuzz", "https://vendor.example/api"};
inline constexpr std::string_view json_type = "application/json; charset=utf-8";

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

inline void encode(const table_def& table, const row& values) {
  std::string line;
  store::append_copy_row(line, "fuzz\t", table, values);
}

// Runs `read` and swallows the one exception type a connector may throw for bad input.
template <class Read>
void refused_or_mapped(Read&& read) {
  try {
    read();
  } catch (const sluice::error&) {
  }
}

}  // namespace sluice::fuzz
