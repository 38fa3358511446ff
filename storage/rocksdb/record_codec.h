#pragma once
// The value frame of an event record and the hash chain (docs/storage.md).
//
//   value = frame_version (1 byte, = 1) ‖ hash (32 bytes) ‖ record (protobuf EventRecord, without hash)
//   hash  = SHA-256(prev_hash ‖ record)

#include "storage/rocksdb/private.h"

#include <optional>
#include <string>
#include <string_view>

#include "storage/types.h"

namespace thidua::storage::codec {

inline constexpr unsigned char frame_version = 1;
inline constexpr std::size_t frame_header = 1 + 32;

// SHA-256(prev ‖ bytes). Uses OpenSSL's EVP interface with a per-thread context.
hash256 chain_hash(const hash256& prev, std::string_view bytes);
// The same over a record given in two pieces (record = head ‖ tail), so the writer need not join them first.
hash256 chain_hash(const hash256& prev, std::string_view head, std::string_view tail);

struct frame {
  hash256 hash{};
  std::string_view record;  // points into the value it was parsed from
};
// Splits a stored value; nullopt when the frame is not one this code writes.
std::optional<frame> parse_frame(std::string_view value);

inline hash256 to_hash(std::string_view bytes) {
  hash256 h{};
  if (bytes.size() == h.size()) std::copy(bytes.begin(), bytes.end(), h.begin());
  return h;
}
inline std::string_view as_bytes(const hash256& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}

}  // namespace thidua::storage::codec
