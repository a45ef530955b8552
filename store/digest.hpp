#pragma once
// Hashes the store needs: migration checksums, advisory lock keys, row content hashes.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::store {

// Lowercase hex SHA-256: the checksum recorded for each applied migration.
std::string sha256_hex(std::string_view data);

// A stable 64-bit key for pg_advisory_lock, derived from `name` (the first 8 bytes of its
// SHA-256), so every sluice process working on one schema takes the same lock.
std::int64_t advisory_lock_key(std::string_view name);

// 16 bytes of SHA-256 over a row's encoded content. Truncated because it only has to tell
// "changed" from "unchanged" for one key, and a smaller value keeps the tables and index-free
// comparisons lean. SHA-256 rather than MD5: with SHA-NI it is twice as fast here.
using content_hash = std::array<unsigned char, 16>;
content_hash hash_content(std::string_view data);

}  // namespace sluice::store
