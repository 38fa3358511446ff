#include "api/wire/event_frames.h"

#include "api/app/envelope.h"
#include "api/wire/json_print.h"

namespace thidua::api {
namespace {

void append_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

}  // namespace

std::string event_frame(const std::string& subscription_id, const std::string& envelope, bool json) {
  std::string out;
  if (json) {
    // subscription ids are [A-Za-z0-9._-]: nothing to escape.
    out.reserve(envelope.size() + subscription_id.size() + 48);
    out += R"({"event":{"subscription_id":")";
    out += subscription_id;
    out += R"(","event":)";
    out += envelope;
    out += "}}";
    return out;
  }
  std::string inner;  // SubscriptionEvent: 1 = subscription_id, 2 = event
  inner.reserve(envelope.size() + subscription_id.size() + 8);
  inner += '\x0a';
  append_varint(inner, subscription_id.size());
  inner += subscription_id;
  inner += '\x12';
  append_varint(inner, envelope.size());
  inner += envelope;
  out.reserve(inner.size() + 8);
  append_varint(out, (16u << 3) | 2u);  // ServerFrame.event = 16, length-delimited
  append_varint(out, inner.size());
  out += inner;
  return out;
}

envelope_encoder::envelope_encoder() : rings_{std::vector<slot>(ring_size), std::vector<slot>(ring_size)} {}

std::shared_ptr<const std::string> envelope_encoder::encoded(const storage::stored_event& e, bool json) {
  const std::uint64_t pos = e.pos().value;
  auto& s = rings_[json ? 1 : 0][pos % ring_size];
  {
    std::lock_guard lk(mu_);
    if (s.position == pos && s.bytes) return s.bytes;
  }
  auto bytes = std::make_shared<std::string>();
  const pb::EventEnvelope env = envelope_of(e);
  if (json) {
    append_json(env, *bytes);
  } else {
    env.SerializeToString(bytes.get());
  }
  std::lock_guard lk(mu_);
  s = {pos, bytes};
  return bytes;
}

}  // namespace thidua::api
