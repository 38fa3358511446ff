// Durable timers: the `timers` column family, keyed by due time (docs/storage.md). The log thread writes them
// with the appends that set them (log_writer.cc); this file reads them and removes fired ones.

#include <rocksdb/iterator.h>

#include "storage/rocksdb/keys.h"
#include "storage/rocksdb/log_impl.h"
#include "storage/validate.h"

namespace thidua::storage {
namespace {

// Splits a timers key; false when it is not one (damage).
bool parse_timer(std::string_view key, std::string_view value, timer_entry& out) {
  if (key.size() < 10) return false;
  const auto zero = key.find('\0', 8);
  if (zero == std::string_view::npos) return false;
  out.due_ms = static_cast<std::int64_t>(keys::get_u64_be(key));
  out.stream_id.assign(key.substr(8, zero - 8));
  out.id.assign(key.substr(zero + 1));
  out.payload.assign(value);
  return true;
}

template <class Visit>
result<void> each_timer(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cf, Visit&& visit) {
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions(), cf));
  timer_entry t;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (!parse_timer(it->key().ToStringView(), it->value().ToStringView(), t))
      return make_error(errc::corruption, "a key of the timers column family is malformed");
    if (!visit(t)) break;
  }
  if (!it->status().ok()) return status_error(it->status(), "reading timers");
  return success();
}

}  // namespace

result<std::vector<timer_entry>> rocksdb_log::due_timers(std::int64_t up_to_ms, std::size_t max) const {
  std::vector<timer_entry> out;
  auto r = each_timer(*impl_->db, impl_->timers, [&](const timer_entry& t) {
    if (t.due_ms > up_to_ms || out.size() >= max) return false;
    out.push_back(t);
    return true;
  });
  if (!r) return r.error();
  return out;
}

result<std::optional<std::int64_t>> rocksdb_log::next_timer_due() const {
  std::optional<std::int64_t> due;
  auto r = each_timer(*impl_->db, impl_->timers, [&](const timer_entry& t) {
    due = t.due_ms;
    return false;
  });
  if (!r) return r.error();
  return due;
}

result<bool> rocksdb_log::has_timer(const timer_entry& timer) const {
  std::string ignored;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), impl_->timers,
                                     keys::timer_key(timer.due_ms, timer.stream_id, timer.id), &ignored);
  if (s.IsNotFound()) return false;
  if (!s.ok()) return status_error(s, "reading a timer");
  return true;
}

result<void> rocksdb_log::remove_timer(const timer_entry& timer) {
  if (impl_->options.read_only) return make_error(errc::read_only, "removing a timer");
  if (auto e = check_stream_id(timer.stream_id, impl_->options)) return *e;
  rocksdb::WriteOptions wo;  // not synced: see event_log::remove_timer
  std::lock_guard write_lock(impl_->write_mu);
  rocksdb::Status s =
      impl_->db->Delete(wo, impl_->timers, keys::timer_key(timer.due_ms, timer.stream_id, timer.id));
  if (!s.ok()) return status_error(s, "removing a timer");
  return success();
}

}  // namespace thidua::storage
