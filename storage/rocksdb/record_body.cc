#include "storage/rocksdb/record_body.h"

#include <cstring>
#include <string_view>

namespace thidua::storage::codec {
namespace {

constexpr int wire_varint = 0;
constexpr int wire_bytes = 2;

std::size_t varint_size(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

char* put_varint(char* p, std::uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

// Field numbers here are all below 16: one tag byte.
char put_tag(int field, int wire) {
  return static_cast<char>((field << 3) | wire);
}

// proto3 leaves empty bytes fields out.
std::size_t bytes_field_size(std::string_view v) {
  return v.empty() ? 0 : 1 + varint_size(v.size()) + v.size();
}
char* put_bytes_field(char* p, int field, std::string_view v) {
  if (v.empty()) return p;
  *p++ = put_tag(field, wire_bytes);
  p = put_varint(p, v.size());
  std::memcpy(p, v.data(), v.size());
  return p + v.size();
}

std::size_t actor_size(const pb::Actor& a) {
  return bytes_field_size(a.unit_id()) + bytes_field_size(a.person()) + bytes_field_size(a.role());
}

}  // namespace

std::string encode_body(const append_request& r, const proposed_event& event, bool first_of_append) {
  const std::string_view digest = first_of_append ? std::string_view(r.command_digest) : std::string_view();
  // int64 is written as its two's complement, like protobuf: a negative time takes ten bytes.
  const auto recorded_at = static_cast<std::uint64_t>(r.recorded_at_ms);
  const std::size_t actor = actor_size(r.actor);
  const std::size_t size = bytes_field_size(r.stream_id) + bytes_field_size(event.type) +
                           (recorded_at != 0 ? 1 + varint_size(recorded_at) : 0) +
                           (1 + varint_size(actor) + actor) + bytes_field_size(r.command_id) +
                           bytes_field_size(r.correlation_id) + bytes_field_size(r.causation_id) +
                           bytes_field_size(event.payload) + bytes_field_size(digest);
  std::string out(size, '\0');
  char* p = out.data();
  p = put_bytes_field(p, 2, r.stream_id);
  p = put_bytes_field(p, 4, event.type);
  if (recorded_at != 0) {
    *p++ = put_tag(5, wire_varint);
    p = put_varint(p, recorded_at);
  }
  // The actor is always set, so protobuf writes it even when empty.
  *p++ = put_tag(6, wire_bytes);
  p = put_varint(p, actor);
  p = put_bytes_field(p, 1, r.actor.unit_id());
  p = put_bytes_field(p, 2, r.actor.person());
  p = put_bytes_field(p, 3, r.actor.role());
  p = put_bytes_field(p, 7, r.command_id);
  p = put_bytes_field(p, 8, r.correlation_id);
  p = put_bytes_field(p, 9, r.causation_id);
  p = put_bytes_field(p, 10, event.payload);
  put_bytes_field(p, 12, digest);
  return out;
}

std::size_t encode_tail_fields(char* out, std::uint64_t position, std::uint64_t version,
                               const hash256& prev) {
  char* p = out;
  *p++ = put_tag(1, wire_varint);
  p = put_varint(p, position);
  *p++ = put_tag(3, wire_varint);
  p = put_varint(p, version);
  *p++ = put_tag(11, wire_bytes);
  *p++ = static_cast<char>(prev.size());
  std::memcpy(p, prev.data(), prev.size());
  return static_cast<std::size_t>(p + prev.size() - out);
}

void encode_outcome(std::string& out, std::string_view stream_id, std::uint64_t first, std::uint64_t last,
                    std::uint64_t version, std::int64_t recorded_at_ms, std::string_view command_digest) {
  const auto recorded_at = static_cast<std::uint64_t>(recorded_at_ms);
  const auto scalar_size = [](std::uint64_t v) { return v != 0 ? 1 + varint_size(v) : 0; };
  out.resize(bytes_field_size(stream_id) + scalar_size(first) + scalar_size(last) + scalar_size(version) +
             scalar_size(recorded_at) + bytes_field_size(command_digest));
  char* p = put_bytes_field(out.data(), 1, stream_id);
  int field = 2;
  for (std::uint64_t v : {first, last, version, recorded_at}) {
    if (v != 0) {
      *p++ = put_tag(field, wire_varint);
      p = put_varint(p, v);
    }
    ++field;
  }
  put_bytes_field(p, 6, command_digest);
}

append_result repeated_result(const pb::AppendOutcome& o) {
  append_result r;
  r.stream_id = o.stream_id();
  r.first = {o.first_position()};
  r.last = {o.last_position()};
  r.version = {o.stream_version()};
  r.recorded_at_ms = o.recorded_at_ms();
  r.duplicate = true;
  r.command_digest = o.command_digest();
  return r;
}

}  // namespace thidua::storage::codec
