#include "tests/storage/rocksdb/tamper.h"

#include "storage/rocksdb/keys.h"
#include "tests/storage/rocksdb/raw_db.h"

namespace thidua::testing {

bool flip_a_bit_of_event(const std::string& path, std::uint64_t position) {
  raw_db raw(path);
  if (!raw.ok()) return false;
  std::string v;
  if (!raw.db()->Get({}, raw.events(), storage::keys::event_key(position), &v).ok() || v.size() < 2)
    return false;
  v[v.size() - 2] ^= 0x20;
  return raw.db()->Put({}, raw.events(), storage::keys::event_key(position), v).ok();
}

}  // namespace thidua::testing
