#pragma once
// The on-disk key layout (docs/storage.md).

#include "storage/rocksdb/private.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace thidua::storage::keys {

inline void put_u64_be(char* out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

// Reads at most the 8 bytes there are: a key or value cut short by damage never makes a read past its end
// (callers that must tell a short one apart check the size themselves, as verify does).
inline std::uint64_t get_u64_be(std::string_view in) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8 && i < in.size(); ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

inline std::string u64_be(std::uint64_t v) {
  std::string s(8, '\0');
  put_u64_be(s.data(), v);
  return s;
}

// The column families, in the order the log opens them (its handles and the tools' follow it).
inline constexpr std::array<std::string_view, 8> column_families = {
    "default", "events", "streams", "commands", "projections", "checkpoints", "timers", "meta"};

// events: position (u64 BE)
inline std::string event_key(std::uint64_t position) {
  return u64_be(position);
}

// streams: stream id, 0x00, version (u64 BE). Stream ids never hold 0x00, so one stream's keys are
// contiguous.
inline void stream_key_into(std::string& k, std::string_view stream, std::uint64_t version) {
  k.assign(stream);
  k.push_back('\0');
  k.resize(k.size() + 8);
  put_u64_be(k.data() + stream.size() + 1, version);
}
inline std::string stream_key(std::string_view stream, std::uint64_t version) {
  std::string k;
  k.reserve(stream.size() + 9);
  stream_key_into(k, stream, version);
  return k;
}
inline std::string stream_prefix(std::string_view stream) {
  std::string k(stream);
  k.push_back('\0');
  return k;
}

// projections: projection name, 0x00, the read model's own key.
inline std::string projection_key(std::string_view name, std::string_view key) {
  std::string k;
  k.reserve(name.size() + 1 + key.size());
  k.append(name);
  k.push_back('\0');
  k.append(key);
  return k;
}

// timers: due time (u64 BE, ms) ‖ stream id ‖ 0x00 ‖ timer id, so that iteration is in due order.
inline std::string timer_key(std::int64_t due_ms, std::string_view stream, std::string_view id) {
  std::string k = u64_be(static_cast<std::uint64_t>(due_ms));
  k.reserve(8 + stream.size() + 1 + id.size());
  k.append(stream);
  k.push_back('\0');
  k.append(id);
  return k;
}

// meta keys
inline constexpr std::string_view meta_schema_version = "schema_version";
inline constexpr std::string_view meta_chain_head = "chain_head";
// In `streams` and in `commands` (each its own): u64 BE, that column family is complete through this
// position. It starts with 0x00, which no stream id and no command id can.
inline constexpr std::string_view index_mark{"\0indexed_through", 16};
inline constexpr std::uint32_t schema_version = 1;

}  // namespace thidua::storage::keys
