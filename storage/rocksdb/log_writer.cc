// The append path. One log thread owns the tail, like a single RocksDB writer with sync=true: it takes
// everything queued, writes the records as one WriteBatch, syncs the WAL once for all of them, and runs the
// listeners and callbacks in log order; what those callbacks append again is queued by then and goes into the
// next batch whole. The index thread builds the batch's stream index and command ids while the records are
// written, and writes them while the sync runs (they are derived from the records: open rebuilds them after a
// crash in between), then decodes the records for the listeners, so none of it sits in series with the sync.

#include <pthread.h>
#include <rocksdb/options.h>

#include <cstdlib>
#include <cstring>

#include "storage/rocksdb/keys.h"
#include "storage/rocksdb/log_impl.h"
#include "storage/rocksdb/record_body.h"
#include "storage/rocksdb/record_codec.h"
#include "storage/validate.h"

namespace thidua::storage {
namespace {

// Encodes what the appender knows of each event, on the appender's thread.
std::vector<std::string> serialize_bodies(const append_request& r) {
  std::vector<std::string> out;
  out.reserve(r.events.size());
  for (const auto& ev : r.events) out.push_back(codec::encode_body(r, ev, out.empty()));
  return out;
}

// A repeat of a command id answers with the first append's result only if it asks for the same thing.
bool same_command(std::string_view first_digest, std::string_view repeat_digest) {
  return first_digest.empty() || repeat_digest.empty() || first_digest == repeat_digest;
}

error reused(const std::string& command_id) {
  return make_error(errc::command_id_reused,
                    "command_id: " + command_id + " was already used for a different command");
}

// An append that wrote nothing ends its chain: the later appends of the chain were decided on its result.
void end_chain_unless_written(rocksdb_log::impl::pending& p) {
  if (p.request.chain && (!p.outcome->has_value() || p.outcome->value().duplicate))
    p.request.chain->broken.store(true, std::memory_order_release);
}

// Decodes the values a batch wrote, once for all listeners. These bytes were built a moment ago: if they do
// not decode, memory is corrupt and no listener may be handed an event that differs from the one on disk.
std::vector<event_ptr> decode_values(const std::vector<std::string>& values) {
  std::vector<event_ptr> decoded;
  decoded.reserve(values.size());
  for (const auto& v : values) {
    auto f = codec::parse_frame(v);
    auto ev = std::make_shared<stored_event>();
    if (!f || !ev->record.ParseFromArray(f->record.data(), static_cast<int>(f->record.size()))) std::abort();
    ev->hash = f->hash;
    decoded.push_back(std::move(ev));
  }
  return decoded;
}

}  // namespace

void rocksdb_log::impl::start_threads() {
  log_thread = std::thread([this] {
    pthread_setname_np(pthread_self(), "log-writer");
    log_loop();
  });
  index_thread = std::thread([this] {
    pthread_setname_np(pthread_self(), "log-index");
    index_loop();
  });
}

void rocksdb_log::impl::stop_threads() {
  {
    std::lock_guard lk(mu);
    stopping = true;
  }
  queue_cv.notify_all();
  if (log_thread.joinable()) log_thread.join();
  {
    std::lock_guard lk(index_mu);
    index_stopping = true;
  }
  index_cv.notify_all();
  if (index_thread.joinable()) index_thread.join();
}

result<std::uint64_t*> rocksdb_log::impl::writer_version(const std::string& stream) {
  if (auto it = versions.find(stream); it != versions.end()) return &it->second;
  // The log thread sees its own unsynced writes, and every earlier batch's index is written before the
  // next batch is built.
  auto v = stored_version(stream, UINT64_MAX);
  if (!v) return v.error();
  if (versions.size() >= options.stream_version_cache) versions.clear();
  return &versions.emplace(stream, v.value()).first->second;
}

void rocksdb_log::impl::build_batch(std::vector<pending>& items, written_batch& out,
                                    rocksdb::WriteBatch& records) {
  const bool keep_events = has_listeners.load(std::memory_order_acquire);
  // Command ids accepted so far in this batch: a repeat inside the batch answers with the first's result.
  batch_commands.reset(items.size());
  pb::AppendOutcome outcome;
  char position_key[8];
  rocksdb::ReadOptions ro;

  // One MultiGet for the whole batch: a repeat of an earlier command id writes nothing.
  const std::size_t n = items.size();
  command_keys.clear();
  for (auto& p : items) command_keys.emplace_back(p.request.command_id);
  command_values.resize(n);
  for (auto& v : command_values) v.Reset();
  command_status.resize(n);
  db->MultiGet(ro, commands, n, command_keys.data(), command_values.data(), command_status.data());

  // Decides one append; returns false when it writes nothing (its outcome is then set).
  const auto admit = [&](std::size_t i) -> std::uint64_t* {
    auto& p = items[i];
    auto& r = p.request;
    if (p.outcome) return nullptr;  // refused when it was queued
    if (r.chain && r.chain->broken.load(std::memory_order_acquire)) {
      p.outcome.emplace(
          make_error(errc::chain_broken, "an earlier append this one depends on was not written"));
      return nullptr;
    }
    if (const auto* first = batch_commands.find(r.command_id)) {
      const auto& earlier = items[*first];
      if (!same_command(earlier.request.command_digest, r.command_digest)) {
        p.outcome.emplace(reused(r.command_id));
        return nullptr;
      }
      append_result dup = earlier.outcome->value();
      dup.duplicate = true;
      dup.command_digest = earlier.request.command_digest;
      p.outcome.emplace(std::move(dup));
      return nullptr;
    }
    const rocksdb::Status& s = command_status[i];
    if (s.ok()) {
      if (!outcome.ParseFromArray(command_values[i].data(), static_cast<int>(command_values[i].size()))) {
        p.outcome.emplace(make_error(errc::corruption, "command_id: the stored outcome does not parse"));
      } else if (!same_command(outcome.command_digest(), r.command_digest)) {
        p.outcome.emplace(reused(r.command_id));
      } else {
        p.outcome.emplace(codec::repeated_result(outcome));
      }
      return nullptr;
    }
    if (!s.IsNotFound()) {
      p.outcome.emplace(status_error(s, "reading command ids"));
      return nullptr;
    }
    auto current = writer_version(r.stream_id);
    if (!current) {
      p.outcome.emplace(current.error());
      return nullptr;
    }
    std::uint64_t* known = current.value();
    if (!r.expected.accepts({*known})) {
      error e = make_error(errc::wrong_expected_version, "stream " + r.stream_id + " is at version " +
                                                             std::to_string(*known) + ", expected " +
                                                             std::to_string(r.expected.value()));
      e.actual_version = *known;
      p.outcome.emplace(std::move(e));
      return nullptr;
    }
    return known;
  };

  for (std::size_t i = 0; i < n; ++i) {
    auto& p = items[i];
    auto& r = p.request;
    std::uint64_t* admitted = admit(i);
    if (!admitted) {
      end_chain_unless_written(p);
      continue;
    }
    std::uint64_t& known_version = *admitted;

    const std::uint64_t first = next_position;
    std::uint64_t version = known_version;
    for (auto& body : p.bodies) {
      ++version;
      // value = frame ‖ [position][stream_version][prev_hash] ‖ body, handed to RocksDB in three pieces: the
      // body is copied once, into the batch.
      char header[64];
      const std::size_t header_size = codec::encode_tail_fields(header, next_position, version, last_hash);
      const std::string_view head(header, header_size);
      const hash256 h = codec::chain_hash(last_hash, head, body);
      char frame[codec::frame_header];
      frame[0] = static_cast<char>(codec::frame_version);
      std::memcpy(frame + 1, h.data(), h.size());
      const rocksdb::Slice value_parts[] = {{frame, sizeof frame}, {head.data(), head.size()}, body};
      keys::put_u64_be(position_key, next_position);
      const rocksdb::Slice key(position_key, 8);
      records.Put(events, rocksdb::SliceParts(&key, 1), rocksdb::SliceParts(value_parts, 3));
      if (keep_events) {
        std::string value;
        value.reserve(sizeof frame + head.size() + body.size());
        value.append(frame, sizeof frame).append(head).append(body);
        out.values.push_back(std::move(value));
      }
      last_hash = h;
      out.last_position = next_position;
      ++next_position;
    }
    known_version = version;
    // Cancels first: a timer moved to the same key it had is set again.
    for (const auto& t : r.timers_cancelled)
      records.Delete(timers, keys::timer_key(t.due_ms, r.stream_id, t.id));
    for (const auto& t : r.timers_set)
      records.Put(timers, keys::timer_key(t.due_ms, r.stream_id, t.id), t.payload);

    append_result done;
    done.stream_id = r.stream_id;
    done.first = {first};
    done.last = {next_position - 1};
    done.version = {version};
    done.recorded_at_ms = r.recorded_at_ms;
    done.command_digest = r.command_digest;
    p.outcome.emplace(std::move(done));
    batch_commands.insert(r.command_id, i);
  }

  // Release what MultiGet pinned (memtables, blocks) now, not when the next batch comes.
  for (auto& v : command_values) v.Reset();

  if (out.last_position != 0) {
    pb::ChainHead head;
    head.set_position(out.last_position);
    head.set_hash(last_hash.data(), last_hash.size());
    records.Put(meta, keys::meta_chain_head, head.SerializeAsString());
  }
}

void rocksdb_log::impl::build_index(const written_batch& batch, rocksdb::WriteBatch& index) const {
  std::string stream_key;
  std::string outcome_bytes;
  char position_value[8];
  for (const auto& p : batch.items) {
    // Only what this batch wrote: refusals and repeats have nothing to index.
    if (!p.outcome->has_value() || p.outcome->value().duplicate) continue;
    const append_result& a = p.outcome->value();
    // An append's events are consecutive in the log and in their stream.
    const std::uint64_t first_version = a.version.value - (a.last.value - a.first.value);
    for (std::uint64_t pos = a.first.value; pos <= a.last.value; ++pos) {
      keys::stream_key_into(stream_key, a.stream_id, first_version + (pos - a.first.value));
      keys::put_u64_be(position_value, pos);
      index.Put(streams, stream_key, rocksdb::Slice(position_value, 8));
    }
    codec::encode_outcome(outcome_bytes, a.stream_id, a.first.value, a.last.value, a.version.value,
                          a.recorded_at_ms, a.command_digest);
    index.Put(commands, p.request.command_id, outcome_bytes);
  }
  if (batch.last_position != 0) {
    char through[8];
    keys::put_u64_be(through, batch.last_position);
    // Each index column family carries its own mark: they are written without the WAL, and RocksDB flushes
    // each column family on its own, so after a crash each holds a prefix of its writes up to its own mark.
    index.Put(streams, keys::index_mark, rocksdb::Slice(through, 8));
    index.Put(commands, keys::index_mark, rocksdb::Slice(through, 8));
  }
}

void rocksdb_log::impl::write_batch(written_batch& batch, rocksdb::WriteBatch& records,
                                    rocksdb::WriteBatch& index) {
  const auto fail = [&](const rocksdb::Status& s, std::string_view what) {
    // Like LevelDB: after a failed write or sync nothing written since the last good sync can be trusted.
    poisoned.store(true);
    error e = status_error(s, what);
    e.code = errc::log_poisoned;
    for (auto& p : batch.items) {
      if (p.outcome->has_value()) p.outcome.emplace(e);
      end_chain_unless_written(p);
    }
    batch.values.clear();
    batch.last_position = 0;
  };
  rocksdb::WriteOptions wo;
  if (options.durability_mode == durability::buffered) {
    // Nothing to overlap: the index goes into the records' batch, acknowledged once written.
    build_index(batch, records);
    rocksdb::Status s;
    {
      std::lock_guard write_lock(write_mu);
      s = db->Write(wo, &records);
    }
    stat_batches.fetch_add(1, std::memory_order_relaxed);
    if (!s.ok()) return fail(s, "writing to the log");
    batch.decoded = decode_values(batch.values);
    return;
  }

  // The index thread is woken now, so that it wakes and builds the index batch while the records are being
  // written; it writes the index only once they are (the index may lag the records, never lead them).
  index_job job;
  job.index = &index;
  job.batch = &batch;
  bool wake = false;
  {
    std::lock_guard lk(index_mu);
    index_pending = &job;
    wake = index_waiting;
  }
  if (wake) index_cv.notify_all();

  // Written without sync, then synced with SyncWAL: a synced Write would hold RocksDB's write group through
  // the sync, and the index thread's write would wait for it.
  rocksdb::Status s;
  {
    std::lock_guard write_lock(write_mu);
    s = db->Write(wo, &records);
  }
  stat_batches.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lk(index_mu);
    job.records = s.ok() ? index_job::written : index_job::failed;
    wake = index_waits_for_records;
  }
  if (wake) index_cv.notify_all();
  if (s.ok()) {
    if (wal_pool) wal_pool->wrote(records.GetDataSize());
    s = db->SyncWAL();
    stat_syncs.fetch_add(1, std::memory_order_relaxed);
  }
  {
    // Also after a failed write: the index thread reads the batch until it is done.
    std::unique_lock lk(index_mu);
    log_waits_for_index = true;
    index_cv.wait(lk, [&] { return job.done; });
    log_waits_for_index = false;
  }
  if (job.records == index_job::failed) return fail(s, "writing to the log");
  if (!s.ok()) return fail(s, "syncing the WAL; the append is not durable");
  // The index is derived from durable records, so losing it costs nothing but a rebuild on open; but
  // nothing past it may be acknowledged, and the next batch cannot be checked against it.
  if (!job.status.ok()) return fail(job.status, "writing the stream index; the append is not acknowledged");
}

void rocksdb_log::impl::index_loop() {
  for (;;) {
    index_job* job = nullptr;
    {
      std::unique_lock lk(index_mu);
      index_waiting = true;
      index_cv.wait(lk, [&] { return index_pending != nullptr || index_stopping; });
      index_waiting = false;
      if (index_pending == nullptr) break;
      job = index_pending;
      index_pending = nullptr;
    }
    job->index->Clear();
    build_index(*job->batch, *job->index);
    bool records_written = false;
    {
      std::unique_lock lk(index_mu);
      index_waits_for_records = true;
      index_cv.wait(lk, [&] { return job->records != index_job::pending; });
      index_waits_for_records = false;
      records_written = job->records == index_job::written;
    }
    rocksdb::Status s;
    if (records_written) {
      // Without the WAL: the index is rebuilt from the records after a crash (load_tail), and a WAL append
      // beside the running fdatasync of the same file slows that sync down.
      rocksdb::WriteOptions wo;
      wo.disableWAL = true;
      {
        std::lock_guard write_lock(write_mu);
        s = db->Write(wo, job->index);
      }
      job->batch->decoded = decode_values(job->batch->values);
    }
    bool wake = false;
    {
      std::lock_guard lk(index_mu);
      job->status = s;
      job->done = true;
      wake = log_waits_for_index;
    }
    if (wake) index_cv.notify_all();
  }
}

void rocksdb_log::impl::log_loop() {
  std::vector<pending> items;
  rocksdb::WriteBatch records;
  rocksdb::WriteBatch index;
  for (;;) {
    {
      std::unique_lock lk(mu);
      while (queue.empty() && !stopping) {
        log_waiting = true;
        queue_cv.wait(lk);
        log_waiting = false;
      }
      if (queue.empty()) break;
      items.swap(queue);
    }
    written_batch batch;
    if (poisoned.load()) {
      for (auto& p : items) {
        p.outcome.emplace(make_error(errc::log_poisoned));
        end_chain_unless_written(p);
      }
      batch.items = std::move(items);
    } else {
      records.Clear();
      build_batch(items, batch, records);
      batch.items = std::move(items);
      if (records.Count() > 0) write_batch(batch, records, index);
      if (batch.last_position != 0) {
        const std::uint64_t before = durable_head.load(std::memory_order_relaxed);
        stat_events.fetch_add(batch.last_position - before, std::memory_order_relaxed);
        durable_head.store(batch.last_position, std::memory_order_release);
      }
    }
    complete(batch);
    // The vector goes back with its capacity: the queue it is swapped with next fills without growing.
    items = std::move(batch.items);
    items.clear();
  }
}

void rocksdb_log::impl::complete(written_batch& batch) {
  if (!batch.decoded.empty()) {
    std::lock_guard lk(listeners_mu);
    for (auto& [id, fn] : listeners) fn(batch.decoded);
  }
  const auto now = std::chrono::steady_clock::now();
  for (auto& p : batch.items) {
    stat_appends.fetch_add(1, std::memory_order_relaxed);
    const auto us = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(now - p.queued_at).count());
    std::size_t bucket = 0;
    while (bucket < log_stats::latency_bounds_us.size() && us > log_stats::latency_bounds_us[bucket])
      ++bucket;
    stat_latency[bucket].fetch_add(1, std::memory_order_relaxed);
    stat_latency_sum_us.fetch_add(us, std::memory_order_relaxed);
    p.done(std::move(*p.outcome));
  }
}

void rocksdb_log::append_async(append_request request, append_callback done) {
  std::optional<result<append_result>> refused;
  if (impl_->options.read_only) {
    // No log thread runs to take a turn in the queue.
    return done(make_error(errc::read_only, "appending to " + impl_->options.path));
  } else if (auto e = check_append(request, impl_->options)) {
    refused.emplace(std::move(*e));
  } else if (impl_->poisoned.load()) {
    refused.emplace(make_error(errc::log_poisoned));
  }
  // A refusal of a chained append takes its turn in the queue, so the chain breaks behind what came before.
  if (refused && !request.chain) return done(std::move(*refused));
  std::vector<std::string> bodies;
  if (!refused) bodies = serialize_bodies(request);
  // The bodies hold the payloads now; the request need not keep a second copy until it completes.
  for (auto& ev : request.events) std::string().swap(ev.payload);
  const auto queued_at = std::chrono::steady_clock::now();
  {
    std::unique_lock lk(impl_->mu);
    if (!impl_->stopping) {
      impl_->queue.push_back(
          {std::move(request), std::move(bodies), std::move(done), std::move(refused), queued_at});
      const bool wake = impl_->log_waiting;
      lk.unlock();
      if (wake) impl_->queue_cv.notify_one();
      return;
    }
  }
  // Outside the lock: a callback may append again.
  if (request.chain) request.chain->broken.store(true, std::memory_order_release);
  done(make_error(errc::shutting_down));
}

}  // namespace thidua::storage
