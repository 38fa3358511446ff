#include "tests/storage/rocksdb/tamper.h"

#include <memory>

#include "storage/proto/log.pb.h"
#include "storage/rocksdb/keys.h"
#include "storage/rocksdb/record_codec.h"
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

bool rewrite_history_from(const std::string& path, std::uint64_t position) {
  namespace codec = storage::codec;
  raw_db raw(path);
  if (!raw.ok()) return false;
  storage::hash256 prev = storage::genesis_hash;
  if (position > 1) {
    std::string v;
    if (!raw.db()->Get({}, raw.events(), storage::keys::event_key(position - 1), &v).ok()) return false;
    auto f = codec::parse_frame(v);
    if (!f) return false;
    prev = f->hash;
  }
  std::unique_ptr<rocksdb::Iterator> it(raw.db()->NewIterator({}, raw.events()));
  rocksdb::WriteBatch batch;
  std::uint64_t last = 0;
  for (it->Seek(storage::keys::event_key(position)); it->Valid(); it->Next()) {
    auto f = codec::parse_frame(it->value().ToStringView());
    storage::pb::EventRecord record;
    if (!f || !record.ParseFromArray(f->record.data(), static_cast<int>(f->record.size()))) return false;
    if (record.position() == position) record.set_recorded_at_ms(record.recorded_at_ms() + 1000);
    record.set_prev_hash(std::string(codec::as_bytes(prev)));
    const std::string bytes = record.SerializeAsString();
    prev = codec::chain_hash(prev, bytes);
    std::string value(1, static_cast<char>(codec::frame_version));
    value += codec::as_bytes(prev);
    value += bytes;
    if (!batch.Put(raw.events(), it->key(), value).ok()) return false;
    last = record.position();
  }
  if (last < position) return false;
  storage::pb::ChainHead head;
  head.set_position(last);
  head.set_hash(std::string(codec::as_bytes(prev)));
  if (!batch.Put(raw.meta(), storage::keys::meta_chain_head, head.SerializeAsString()).ok()) return false;
  return raw.db()->Write({}, &batch).ok();
}

}  // namespace thidua::testing
