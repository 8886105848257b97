#pragma once
// keys.hpp — byte-string keys for LMDB: tenant-prefixed, ordered, unambiguous.
// A composite key joins its parts with a 0x00 separator, so a prefix scan over
// join({service, tenant}) + separator finds exactly that tenant's keys. Parts must not
// contain 0x00 (`valid_part` checks; callers validate names at the edge). Sequence numbers
// are big-endian so that byte order is numeric order.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace xyn::keys {

inline constexpr char separator = '\0';

bool valid_part(std::string_view part);

// join({"content-hub", "acme", "item/7"}) == "content-hub\0acme\0item/7".
std::string join(std::initializer_list<std::string_view> parts);

// The prefix under which every key of join(parts..., x) sorts: join(parts) + separator.
std::string prefix(std::initializer_list<std::string_view> parts);

std::vector<std::string_view> split(std::string_view key);

// 8 bytes, most significant first.
std::string be64(std::uint64_t n);
// REQUIRES: bytes.size() == 8.
std::uint64_t from_be64(std::string_view bytes);

}  // namespace xyn::keys
