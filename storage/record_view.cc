#include "storage/record_view.h"

#include "storage/proto/log.pb.h"

namespace thidua::storage {
namespace {

struct reader {
  const unsigned char* p;
  const unsigned char* end;

  bool varint(std::uint64_t& out) {
    out = 0;
    for (int shift = 0; shift < 64 && p < end; shift += 7) {
      const unsigned char b = *p++;
      out |= std::uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  bool bytes(std::string_view& out) {
    std::uint64_t len = 0;
    if (!varint(len) || len > std::uint64_t(end - p)) return false;
    out = {reinterpret_cast<const char*>(p), static_cast<std::size_t>(len)};
    p += len;
    return true;
  }
  bool skip(unsigned wire_type) {
    std::uint64_t v = 0;
    std::string_view s;
    switch (wire_type) {
      case 0:
        return varint(v);
      case 1:
        return end - p >= 8 ? (p += 8, true) : false;
      case 2:
        return bytes(s);
      case 5:
        return end - p >= 4 ? (p += 4, true) : false;
      default:
        return false;
    }
  }
};

bool decode_actor(std::string_view bytes, record_view& v) {
  reader r{reinterpret_cast<const unsigned char*>(bytes.data()),
           reinterpret_cast<const unsigned char*>(bytes.data()) + bytes.size()};
  while (r.p < r.end) {
    std::uint64_t tag = 0;
    if (!r.varint(tag)) return false;
    const unsigned field = static_cast<unsigned>(tag >> 3), type = static_cast<unsigned>(tag & 7);
    std::string_view* target = field == 1   ? &v.actor_unit_id
                               : field == 2 ? &v.actor_person
                               : field == 3 ? &v.actor_role
                                            : nullptr;
    if (target && type == 2) {
      if (!r.bytes(*target)) return false;
    } else if (!r.skip(type)) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<record_view> decode_record(std::string_view bytes) {
  record_view v;
  v.bytes = bytes;
  reader r{reinterpret_cast<const unsigned char*>(bytes.data()),
           reinterpret_cast<const unsigned char*>(bytes.data()) + bytes.size()};
  while (r.p < r.end) {
    std::uint64_t tag = 0, n = 0;
    if (!r.varint(tag)) return std::nullopt;
    const unsigned field = static_cast<unsigned>(tag >> 3), type = static_cast<unsigned>(tag & 7);
    bool ok = true;
    if (type == 0 && (field == 1 || field == 3 || field == 5)) {
      ok = r.varint(n);
      if (field == 1) v.position = n;
      if (field == 3) v.stream_version = n;
      if (field == 5) v.recorded_at_ms = static_cast<std::int64_t>(n);
    } else if (type == 2 && field >= 2 && field <= 12 && field != 3 && field != 5) {
      std::string_view s;
      ok = r.bytes(s);
      switch (field) {
        case 2:
          v.stream_id = s;
          break;
        case 4:
          v.event_type = s;
          break;
        case 6:
          ok = ok && decode_actor(s, v);
          break;
        case 7:
          v.command_id = s;
          break;
        case 8:
          v.correlation_id = s;
          break;
        case 9:
          v.causation_id = s;
          break;
        case 10:
          v.payload = s;
          break;
        case 11:
          v.prev_hash = s;
          break;
        case 12:
          v.command_digest = s;
          break;
      }
    } else {
      ok = r.skip(type);
    }
    if (!ok) return std::nullopt;
  }
  return v;
}

record_view view_of(const pb::EventRecord& r) {
  record_view v;
  v.position = r.position();
  v.stream_id = r.stream_id();
  v.stream_version = r.stream_version();
  v.event_type = r.event_type();
  v.recorded_at_ms = r.recorded_at_ms();
  v.actor_unit_id = r.actor().unit_id();
  v.actor_person = r.actor().person();
  v.actor_role = r.actor().role();
  v.command_id = r.command_id();
  v.correlation_id = r.correlation_id();
  v.causation_id = r.causation_id();
  v.payload = r.payload();
  v.prev_hash = r.prev_hash();
  v.command_digest = r.command_digest();
  return v;
}

record_view moved_into(const record_view& v, const char* copy) {
  const auto moved = [&](std::string_view s) {
    return s.empty() ? std::string_view() : std::string_view(copy + (s.data() - v.bytes.data()), s.size());
  };
  record_view m = v;
  m.bytes = {copy, v.bytes.size()};
  for (auto field : {&record_view::stream_id, &record_view::event_type, &record_view::actor_unit_id,
                     &record_view::actor_person, &record_view::actor_role, &record_view::command_id,
                     &record_view::correlation_id, &record_view::causation_id, &record_view::payload,
                     &record_view::prev_hash, &record_view::command_digest})
    m.*field = moved(v.*field);
  return m;
}

}  // namespace thidua::storage
