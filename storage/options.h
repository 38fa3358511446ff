#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "storage/types.h"

namespace rocksdb {
class FileSystem;
}

namespace thidua::storage {

// Options of the event log. Every option documents its default.
struct log_options {
  // Directory of the RocksDB database. Created if missing. No default: the caller chooses.
  std::string path;
  // Create an empty log when `path` holds none. Default: true. Tools that inspect a log set it to false.
  bool create_if_missing = true;
  // Open without writing a byte: no lock is taken, nothing is created, re-indexed or compacted, and every
  // write is refused (errc::read_only). It sees the log as it was at open, beside the process that writes it
  // (a running server) or in a backup. Reads of a stream also find the records whose index entries a crash
  // left unwritten (the writer re-indexes them at its next open). Default: false.
  bool read_only = false;
  // When an append is acknowledged. Default: sync (durable before acknowledged).
  durability durability_mode = durability::sync;
  // Most events in one append (one command). Default: 1,000.
  std::size_t max_events_per_append = 1000;
  // Most bytes of one event's payload. Default: 1 MiB.
  std::size_t max_event_bytes = 1 << 20;
  // Longest stream id, correlation or causation id, in bytes. Default: 128.
  std::size_t max_id_bytes = 128;
  // Longest command id, in bytes: room for a caller's scope before a client's own id of up to 128 bytes
  // (engine/command_id.h). Default: 256.
  std::size_t max_command_id_bytes = 256;
  // Longest event type name, in bytes. Default: 128.
  std::size_t max_event_type_bytes = 128;
  // Streams whose version the writer keeps in memory; past it the cache is emptied. Default: 100,000.
  std::size_t stream_version_cache = 100'000;
  // RocksDB block cache shared by all column families, in bytes. Default: 64 MiB.
  std::size_t block_cache_bytes = 64 << 20;
  // Size of the zeroed file each WAL is written over (storage/rocksdb/wal_files.h), under sync durability; 0
  // lets RocksDB grow its WALs as usual. One spare is kept in `<path>/wal-spares/` once the log writes a
  // WAL's eighth of it. Default: 72 MiB (a WAL ends when the 64 MiB events memtable fills).
  std::uint64_t wal_spare_bytes = 72 << 20;
  // A spare is made only while the data dir's file system has this much free, so it never takes the space the
  // log needs. Default (0): four spares' worth (288 MiB at the default size).
  std::uint64_t wal_spare_min_free_bytes = 0;
  // The file system the log works on: RocksDB's files, the WAL spares and the WALs written over them (as
  // random-access writes), and the data dir's creation. Default (null): the operating system's. Tests pass
  // one that fails on purpose (a write, a sync) or loses power (tests/support/power_cut_fs.h).
  std::shared_ptr<rocksdb::FileSystem> file_system = nullptr;
};

}  // namespace thidua::storage
