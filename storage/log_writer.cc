// The append pipeline, three threads in a row: the writer owns the tail and writes everything queued as one
// WriteBatch; the sync thread makes the WAL durable once for all batches written before its sync began; the
// completion thread runs listeners and callbacks in log order, so the next sync never waits for them.

#include <pthread.h>
#include <rocksdb/options.h>

#include <cstdlib>
#include <cstring>

#include "storage/keys.h"
#include "storage/log_impl.h"
#include "storage/record_codec.h"
#include "storage/validate.h"

namespace thidua::storage {
namespace {

char* put_varint(char* p, std::uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

// The fields only the writer knows, in protobuf wire format: position (1), stream_version (3), prev_hash
// (11).
std::size_t encode_tail_fields(char* out, std::uint64_t position, std::uint64_t version,
                               const hash256& prev) {
  char* p = out;
  *p++ = 0x08;  // field 1, varint
  p = put_varint(p, position);
  *p++ = 0x18;  // field 3, varint
  p = put_varint(p, version);
  *p++ = 0x5a;  // field 11, length-delimited
  *p++ = 32;
  std::memcpy(p, prev.data(), prev.size());
  return static_cast<std::size_t>(p + prev.size() - out);
}

// Serializes what the appender knows of each event, on the appender's thread.
std::vector<std::string> serialize_bodies(append_request& r) {
  thread_local pb::EventRecord body;
  std::vector<std::string> out;
  out.reserve(r.events.size());
  for (auto& ev : r.events) {
    body.Clear();
    body.set_stream_id(r.stream_id);
    body.set_event_type(ev.type);
    body.set_recorded_at_ms(r.recorded_at_ms);
    *body.mutable_actor() = r.actor;
    body.set_command_id(r.command_id);
    body.set_correlation_id(r.correlation_id);
    body.set_causation_id(r.causation_id);
    body.set_payload(std::move(ev.payload));
    out.push_back(body.SerializeAsString());
  }
  return out;
}

append_result to_result(const pb::AppendOutcome& o, bool duplicate) {
  append_result r;
  r.stream_id = o.stream_id();
  r.first = {o.first_position()};
  r.last = {o.last_position()};
  r.version = {o.stream_version()};
  r.recorded_at_ms = o.recorded_at_ms();
  r.duplicate = duplicate;
  return r;
}

}  // namespace

void event_log::impl::start_threads() {
  writer_thread = std::thread([this] {
    pthread_setname_np(pthread_self(), "log-writer");
    writer_loop();
  });
  sync_thread = std::thread([this] {
    pthread_setname_np(pthread_self(), "log-sync");
    sync_loop();
  });
  complete_thread = std::thread([this] {
    pthread_setname_np(pthread_self(), "log-complete");
    complete_loop();
  });
}

void event_log::impl::stop_threads() {
  {
    std::lock_guard lk(mu);
    stopping = true;
  }
  queue_cv.notify_all();
  if (writer_thread.joinable()) writer_thread.join();
  if (sync_thread.joinable()) sync_thread.join();
  if (complete_thread.joinable()) complete_thread.join();
}

result<std::uint64_t> event_log::impl::writer_version(const std::string& stream) {
  if (auto it = versions.find(stream); it != versions.end()) return it->second;
  // The writer sees its own unsynced writes: nobody else writes the tail.
  auto v = stored_version(stream, UINT64_MAX);
  if (!v) return v;
  if (versions.size() >= options.stream_version_cache) versions.clear();
  versions.emplace(stream, v.value());
  return v;
}

void event_log::impl::build_batch(std::vector<pending>& items, written_batch& out, rocksdb::WriteBatch& wb) {
  const bool keep_events = has_listeners.load(std::memory_order_acquire);
  std::unordered_map<std::string_view, const append_result*> in_batch;
  pb::AppendOutcome outcome;
  std::string value;
  std::string outcome_bytes;
  char position_key[8];
  std::string stream_key;
  char position_value[8];
  rocksdb::ReadOptions ro;

  // One MultiGet for the whole batch: a repeat of an earlier command id writes nothing.
  const std::size_t n = items.size();
  command_keys.clear();
  for (auto& p : items) command_keys.emplace_back(p.request.command_id);
  command_values.resize(n);
  for (auto& v : command_values) v.Reset();
  command_status.resize(n);
  db->MultiGet(ro, commands, n, command_keys.data(), command_values.data(), command_status.data());

  for (std::size_t i = 0; i < n; ++i) {
    auto& p = items[i];
    auto& r = p.request;
    if (auto it = in_batch.find(r.command_id); it != in_batch.end()) {
      append_result dup = *it->second;
      dup.duplicate = true;
      p.outcome.emplace(std::move(dup));
      continue;
    }
    const rocksdb::Status& s = command_status[i];
    if (s.ok()) {
      if (!outcome.ParseFromArray(command_values[i].data(), static_cast<int>(command_values[i].size()))) {
        p.outcome.emplace(make_error(errc::corruption, "command_id: the stored outcome does not parse"));
      } else {
        p.outcome.emplace(to_result(outcome, true));
      }
      continue;
    }
    if (!s.IsNotFound()) {
      p.outcome.emplace(status_error(s, "reading command ids"));
      continue;
    }
    auto current = writer_version(r.stream_id);
    if (!current) {
      p.outcome.emplace(current.error());
      continue;
    }
    if (!r.expected.accepts({current.value()})) {
      error e = make_error(errc::wrong_expected_version, "stream " + r.stream_id + " is at version " +
                                                             std::to_string(current.value()) + ", expected " +
                                                             std::to_string(r.expected.value()));
      e.actual_version = current.value();
      p.outcome.emplace(std::move(e));
      continue;
    }

    const std::uint64_t first = next_position;
    std::uint64_t version = current.value();
    for (auto& body : p.bodies) {
      ++version;
      // value = frame ‖ [position][stream_version][prev_hash] ‖ body
      char header[64];
      const std::size_t header_size = encode_tail_fields(header, next_position, version, last_hash);
      value.resize(codec::frame_header + header_size + body.size());
      char* record = value.data() + codec::frame_header;
      std::memcpy(record, header, header_size);
      std::memcpy(record + header_size, body.data(), body.size());
      const hash256 h = codec::chain_hash(last_hash, std::string_view(record, header_size + body.size()));
      value[0] = static_cast<char>(codec::frame_version);
      std::copy(h.begin(), h.end(), value.begin() + 1);

      keys::put_u64_be(position_key, next_position);
      wb.Put(events, rocksdb::Slice(position_key, 8), value);
      stream_key = keys::stream_key(r.stream_id, version);
      keys::put_u64_be(position_value, next_position);
      wb.Put(streams, stream_key, rocksdb::Slice(position_value, 8));
      if (keep_events) out.values.push_back(std::move(value));
      last_hash = h;
      out.last_position = next_position;
      ++next_position;
    }
    versions[r.stream_id] = version;

    outcome.Clear();
    outcome.set_stream_id(r.stream_id);
    outcome.set_first_position(first);
    outcome.set_last_position(next_position - 1);
    outcome.set_stream_version(version);
    outcome.set_recorded_at_ms(r.recorded_at_ms);
    outcome.SerializeToString(&outcome_bytes);
    wb.Put(commands, r.command_id, outcome_bytes);
    p.outcome.emplace(to_result(outcome, false));
    in_batch.emplace(r.command_id, &p.outcome->value());
  }

  // Release what MultiGet pinned (memtables, blocks) now, not when the next batch comes.
  for (auto& v : command_values) v.Reset();

  if (out.last_position != 0) {
    pb::ChainHead head;
    head.set_position(out.last_position);
    head.set_hash(last_hash.data(), last_hash.size());
    wb.Put(meta, keys::meta_chain_head, head.SerializeAsString());
  }
}

void event_log::impl::writer_loop() {
  std::vector<pending> items;
  rocksdb::WriteBatch wb;
  rocksdb::WriteOptions wo;
  // The sync thread makes these durable (SyncWAL) before anything is acknowledged or readable.
  wo.sync = false;
  for (;;) {
    {
      std::unique_lock lk(mu);
      while (queue.empty() && !stopping) {
        writer_waiting = true;
        queue_cv.wait(lk);
        writer_waiting = false;
      }
      if (queue.empty()) break;
      items.swap(queue);
    }
    written_batch batch;
    if (poisoned.load()) {
      for (auto& p : items) p.outcome.emplace(make_error(errc::log_poisoned));
    } else {
      wb.Clear();
      build_batch(items, batch, wb);
      if (wb.Count() > 0) {
        rocksdb::Status s;
        {
          std::lock_guard write_lock(write_mu);
          s = db->Write(wo, &wb);
        }
        stat_batches.fetch_add(1, std::memory_order_relaxed);
        if (!s.ok()) {
          poisoned.store(true);
          batch.values.clear();
          batch.last_position = 0;
          error e = status_error(s, "writing to the log");
          e.code = errc::log_poisoned;
          for (auto& p : items) p.outcome.emplace(e);
        }
      }
    }
    batch.items = std::move(items);
    items = {};
    bool wake = false;
    {
      std::lock_guard lk(mu);
      to_sync.push_back(std::move(batch));
      wake = sync_waiting;
    }
    if (wake) sync_cv.notify_one();
  }
  {
    std::lock_guard lk(mu);
    writer_done = true;
  }
  sync_cv.notify_one();
}

void event_log::impl::sync_loop() {
  std::deque<written_batch> work;
  for (;;) {
    {
      std::unique_lock lk(mu);
      sync_waiting = true;
      sync_cv.wait(lk, [&] { return !to_sync.empty() || writer_done; });
      if (to_sync.empty()) break;
      sync_waiting = false;
      work.swap(to_sync);
    }
    bool wrote = false;
    for (auto& b : work) wrote |= b.last_position != 0;
    bool synced = true;
    if (wrote && options.durability_mode == durability::sync) {
      rocksdb::Status s = db->SyncWAL();
      stat_syncs.fetch_add(1, std::memory_order_relaxed);
      if (!s.ok()) {
        // Like LevelDB: after a failed sync nothing written since the last good sync can be trusted.
        poisoned.store(true);
        synced = false;
      }
    }
    for (auto& b : work) {
      if (synced && b.last_position != 0) {
        const std::uint64_t before = durable_head.load(std::memory_order_relaxed);
        stat_events.fetch_add(b.last_position - before, std::memory_order_relaxed);
        durable_head.store(b.last_position, std::memory_order_release);
      }
      if (!synced) {
        b.values.clear();
        for (auto& p : b.items)
          if (p.outcome->has_value())
            p.outcome.emplace(
                make_error(errc::log_poisoned, "the WAL sync failed; the append is not durable"));
      }
    }
    // Completions run on their own thread, so the next sync starts at once with whatever was written
    // meanwhile: the writer's next batch overlaps this batch's callbacks and the sync after it.
    bool wake = false;
    {
      std::lock_guard lk(mu);
      for (auto& b : work) to_complete.push_back(std::move(b));
      wake = completer_waiting;
    }
    if (wake) complete_cv.notify_one();
    work.clear();
  }
  {
    std::lock_guard lk(mu);
    sync_done = true;
  }
  complete_cv.notify_one();
}

void event_log::impl::complete_loop() {
  std::deque<written_batch> work;
  for (;;) {
    {
      std::unique_lock lk(mu);
      completer_waiting = true;
      complete_cv.wait(lk, [&] { return !to_complete.empty() || sync_done; });
      completer_waiting = false;
      if (to_complete.empty()) break;
      work.swap(to_complete);
    }
    for (auto& b : work) {
      if (!b.values.empty()) {
        // Decoded here, off the writer's path, once for all listeners.
        std::vector<event_ptr> decoded;
        decoded.reserve(b.values.size());
        for (const auto& v : b.values) {
          auto f = codec::parse_frame(v);
          auto ev = std::make_shared<stored_event>();
          // These bytes were built by the writer a moment ago: if they do not decode, memory is corrupt and
          // no listener may be handed an event that differs from the one on disk.
          if (!f || !ev->record.ParseFromArray(f->record.data(), static_cast<int>(f->record.size())))
            std::abort();
          ev->hash = f->hash;
          decoded.push_back(std::move(ev));
        }
        std::lock_guard lk(listeners_mu);
        for (auto& [id, fn] : listeners) fn(decoded);
      }
      const auto now = std::chrono::steady_clock::now();
      for (auto& p : b.items) {
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
    work.clear();
  }
}

void event_log::append_async(append_request request, append_callback done) {
  if (auto e = check_append(request, impl_->options)) return done(std::move(*e));
  if (impl_->poisoned.load()) return done(make_error(errc::log_poisoned));
  std::vector<std::string> bodies = serialize_bodies(request);
  const auto queued_at = std::chrono::steady_clock::now();
  {
    std::unique_lock lk(impl_->mu);
    if (!impl_->stopping) {
      impl_->queue.push_back(
          {std::move(request), std::move(bodies), std::move(done), std::nullopt, queued_at});
      const bool wake = impl_->writer_waiting;
      lk.unlock();
      if (wake) impl_->queue_cv.notify_one();
      return;
    }
  }
  // Outside the lock: a callback may append again.
  done(make_error(errc::shutting_down));
}

}  // namespace thidua::storage
