#pragma once
// Alters a closed log's stored bytes behind its back, for tests of the tools that must notice (thidua
// verify), without those tests reaching into storage/rocksdb/.

#include <cstdint>
#include <string>

namespace thidua::testing {

// Flips one bit of the stored record at `position` in the log at `path` (closed). Returns false when the log
// cannot be opened or holds no such position.
bool flip_a_bit_of_event(const std::string& path, std::uint64_t position);

// What a forger with the disk would do: changes the record at `position` (its recorded time moves by a
// second) and recomputes the hash of every record from there on, and the chain head, so that the chain is
// whole again and verify finds nothing. Only a receipt issued before tells. Returns false when the log
// cannot be opened or holds no such position.
bool rewrite_history_from(const std::string& path, std::uint64_t position);

}  // namespace thidua::testing
