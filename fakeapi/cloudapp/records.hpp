#pragma once
// The records of the CloudApp imitation as it keeps them.
#include "fakeapi/timestamp.hpp"

#include <array>
#include <cstdint>
#include <string_view>

namespace sluice::fakeapi::cloudapp {

enum class item_type : std::uint8_t { image, bookmark, text, archive, audio, video, unknown };
inline constexpr std::array<std::string_view, 7> type_names{
    "image", "bookmark", "text", "archive", "audio", "video", "unknown"};

// Compact: names and URLs are derived from `salt` when serialized.
struct item {
  std::uint64_t id = 0;
  micros created = 0;
  micros updated = 0;
  micros deleted = 0;  // meaningful when trashed
  std::uint64_t salt = 0;
  std::int64_t views = 0;
  item_type type = item_type::image;
  bool trashed = false;
  bool is_private = false;
  bool subscribed = false;
};

}  // namespace sluice::fakeapi::cloudapp
