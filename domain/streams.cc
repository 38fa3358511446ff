#include "domain/streams.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include "domain/cycle_decider.h"
#include "domain/registry_decider.h"

namespace thidua::domain {

stream_kind kind_of_stream(std::string_view stream) {
  if (is_registry_stream(stream)) return stream_kind::registry;
  if (!organizer_of_cycle_stream(stream).empty()) return stream_kind::cycle;
  return stream_kind::other;
}

std::string inbox_stream(std::string_view inbox) {
  return "inbox/" + std::string(inbox);
}

std::string inbox_of_stream(std::string_view stream) {
  constexpr std::string_view prefix = "inbox/";
  return stream.starts_with(prefix) ? std::string(stream.substr(prefix.size())) : std::string();
}

std::string organizer_of_cycle_stream(std::string_view stream) {
  constexpr std::string_view prefix = "cycles/";
  if (!stream.starts_with(prefix)) return {};
  stream.remove_prefix(prefix.size());
  const auto slash = stream.find('/');
  if (slash == std::string_view::npos || slash == 0) return {};
  return std::string(stream.substr(0, slash));
}

bool is_registry_stream(std::string_view stream) {
  return stream == "registry";
}

decoded_event decode_event(std::string_view stream, std::string_view type, std::string_view payload) {
  decoded_event d;
  d.kind = kind_of_stream(stream);
  if (d.kind == stream_kind::cycle) {
    if (auto e = cycle_decider::decode(type, payload)) d.event = std::move(*e);
  } else if (d.kind == stream_kind::registry) {
    if (auto e = registry_decider::decode(type, payload)) d.event = std::move(*e);
  }
  return d;
}

std::string cluster_of_cycle_payload(std::string_view payload) {
  using google::protobuf::internal::WireFormatLite;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const std::uint8_t*>(payload.data()),
                                            static_cast<int>(payload.size()));
  // pb::Event: `cluster` is field 1, a string.
  while (const std::uint32_t tag = in.ReadTag()) {
    if (WireFormatLite::GetTagFieldNumber(tag) == 1 &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      std::uint32_t length = 0;
      std::string cluster;
      if (!in.ReadVarint32(&length) || length > 64 || !in.ReadString(&cluster, static_cast<int>(length)))
        return {};
      return cluster;
    }
    if (!WireFormatLite::SkipField(&in, tag)) return {};
  }
  return {};
}

}  // namespace thidua::domain
