#include "domain/event_skim.h"

#include <google/protobuf/descriptor.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "domain/proto/options.pb.h"

namespace thidua::domain {
namespace {

namespace gp = google::protobuf;

// What to do with each field of a message on the wire: copy it as it is, drop it (narrative), or walk into it
// (a message that holds narrative somewhere below).
struct plan {
  enum class action : std::uint8_t { copy, drop, walk };
  std::vector<action> by_number;    // indexed by field number; beyond it: copy (unknown fields are kept)
  std::vector<const plan*> nested;  // for walk: the plan of the field's message type
  bool has_narrative = false;       // the message or one below holds narrative
};

class plans {
 public:
  plans() { event_ = &build(pb::Event::descriptor()); }
  const plan& event() const { return *event_; }

 private:
  // Built once, before any use: every message type reachable from Event. A type that held itself would be
  // found half built and copied whole: correct, only slower (the domain has none).
  plan& build(const gp::Descriptor* d) {
    if (auto it = built_.find(d); it != built_.end()) return it->second;
    plan& p = built_[d];  // stable: an unordered_map never moves its values
    int max_number = 0;
    for (int i = 0; i < d->field_count(); ++i) max_number = std::max(max_number, d->field(i)->number());
    p.by_number.assign(static_cast<std::size_t>(max_number) + 1, plan::action::copy);
    p.nested.assign(p.by_number.size(), nullptr);
    for (int i = 0; i < d->field_count(); ++i) {
      const gp::FieldDescriptor* f = d->field(i);
      const auto n = static_cast<std::size_t>(f->number());
      if (f->options().GetExtension(pb::narrative)) {
        p.by_number[n] = plan::action::drop;
        p.has_narrative = true;
      } else if (f->message_type()) {
        const plan& inner = build(f->message_type());
        if (inner.has_narrative) {
          p.by_number[n] = plan::action::walk;
          p.nested[n] = &inner;
          p.has_narrative = true;
        }
      }
    }
    return p;
  }
  std::unordered_map<const gp::Descriptor*, plan> built_;
  const plan* event_ = nullptr;
};

bool read_varint(const char*& at, const char* end, std::uint64_t& out) {
  out = 0;
  for (int shift = 0; shift < 64 && at < end; shift += 7) {
    const auto byte = static_cast<std::uint8_t>(*at++);
    out |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return true;
  }
  return false;
}

void write_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>(static_cast<std::uint8_t>(v) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

// Copies the message in [at, end) to `out` as `p` says; false on bytes that are not a message.
constexpr std::size_t max_depth = 32;

// scratch[depth] holds a walked message until its length is known (max_depth of them, never resized under a
// walk).
bool skim(const plan& p, const char* at, const char* end, std::string& out, std::vector<std::string>& scratch,
          std::size_t depth) {
  if (depth >= max_depth) return false;
  while (at < end) {
    const char* field_start = at;
    std::uint64_t tag = 0;
    if (!read_varint(at, end, tag)) return false;
    const std::uint64_t number = tag >> 3;
    const auto what = number < p.by_number.size() ? p.by_number[number] : plan::action::copy;
    switch (tag & 7) {
      case 0: {  // varint
        std::uint64_t ignored = 0;
        if (!read_varint(at, end, ignored)) return false;
        break;
      }
      case 1:  // fixed64
        if (end - at < 8) return false;
        at += 8;
        break;
      case 5:  // fixed32
        if (end - at < 4) return false;
        at += 4;
        break;
      case 2: {  // length-delimited
        std::uint64_t length = 0;
        if (!read_varint(at, end, length) || length > static_cast<std::uint64_t>(end - at)) return false;
        const char* value = at;
        at += length;
        if (what == plan::action::drop) continue;
        if (what == plan::action::walk) {
          std::string& inner = scratch[depth];
          inner.clear();
          if (!skim(*p.nested[number], value, at, inner, scratch, depth + 1)) return false;
          write_varint(out, tag);
          write_varint(out, inner.size());
          out += inner;
          continue;
        }
        break;
      }
      default:  // groups: never in the domain's messages
        return false;
    }
    out.append(field_start, at);
  }
  return true;
}

}  // namespace

bool parse_skimmed(std::string_view bytes, pb::Event& out) {
  static const plans all;
  thread_local std::string skimmed;
  thread_local std::vector<std::string> scratch;
  skimmed.clear();
  scratch.resize(max_depth);
  if (!skim(all.event(), bytes.data(), bytes.data() + bytes.size(), skimmed, scratch, 0)) return false;
  return out.ParseFromString(skimmed);
}

}  // namespace thidua::domain
