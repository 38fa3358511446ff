#include "engine/timer_service.h"

#include "engine/digest.h"

namespace thidua::engine {

std::string timer_command_id(const storage::timer_entry& t) {
  std::string id = t.stream_id + "/" + t.id + "@" + std::to_string(t.due_ms);
  // Stream and timer ids are printable ASCII without spaces, as command ids must be; only the length may not
  // fit (the scope "timer/" is put before it).
  if (id.size() <= 200) return id;
  static constexpr char digits[] = "0123456789abcdef";
  const std::string digest = sha256(id);
  std::string out = "sha256:";
  for (unsigned char c : digest) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

}  // namespace thidua::engine
