#pragma once
// Raw RocksDB on the same disk, with the log's own key layout and WAL technique: the baseline the benchmarks
// report the log against (tools/bench, docs/benchmarks.md). Part of storage so that the benchmark needs
// nothing of storage/rocksdb/.

#include <cstddef>
#include <cstdint>
#include <string>

#include "storage/result.h"

namespace thidua::storage::raw_baseline {

// One thread writing synced WriteBatches of `batch` puts of `value_bytes` into a plain RocksDB at `path`,
// back to back for `seconds`, under the keys after `key` (which advances). Puts per second.
result<double> synced_batches(const std::string& path, std::size_t batch, std::size_t value_bytes,
                              double seconds, std::uint64_t& key);
// The same with the database's WALs written over zeroed spares, as the log writes its own
// (docs/storage.md), warmed up until a WAL sits in a spare: puts per second, 0 when none ever did.
result<double> synced_batches_on_spares(const std::string& path, std::size_t batch, std::size_t value_bytes,
                                        double seconds);
// A plain iterator over the stored records of the closed log at `path`, touching each key and value:
// records per second; `count` is how many.
result<double> scan_events(const std::string& path, std::uint64_t& count);
// Removes the index marks of the closed log at `path`, so that its next open indexes every record again (what
// it does after a crash for the records written since the index last flushed).
result<void> forget_index_marks(const std::string& path);

}  // namespace thidua::storage::raw_baseline
