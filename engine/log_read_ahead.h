#pragma once
// Reads the log ahead of a projection, on a thread of its own, while the projection folds what was read:
// a rebuild then takes about as long as the slower of the two instead of both.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "storage/event_log.h"
#include "storage/record_view.h"

namespace thidua::engine {

class log_read_ahead {
 public:
  // Reads the records from `from` to `to` (or the log's end), a bounded amount ahead of the consumer.
  log_read_ahead(const storage::event_log& log, std::uint64_t from, std::uint64_t to);
  ~log_read_ahead();  // stops reading
  log_read_ahead(const log_read_ahead&) = delete;
  log_read_ahead& operator=(const log_read_ahead&) = delete;

  // The next record in log order (waits for it), valid until pop(); nullptr when the reader is done —
  // `to` passed, the log's end, or a failure (failure() says which).
  const storage::record_view* front();
  void pop();
  // The position of the record front() gives next, as far as the consumer can tell: one past the last popped.
  std::uint64_t next_position() const { return next_; }
  std::optional<error> failure() const;
  // Chunks read and not yet taken by the consumer (at most max_chunks): what it holds besides the consumer's.
  std::size_t chunks_waiting() const;

  // How much is read ahead at most (a few MB).
  static constexpr std::size_t chunk_bytes = 1 << 20;
  static constexpr std::size_t max_chunks = 4;

 private:
  struct chunk {
    std::unique_ptr<char[]> bytes;
    std::size_t used = 0;
    std::size_t capacity = 0;
    std::vector<storage::record_view> records;
  };
  void read(const storage::event_log& log, std::uint64_t from, std::uint64_t to);

  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::deque<std::unique_ptr<chunk>> ready_;
  std::unique_ptr<chunk> current_;  // the consumer's (front of the queue taken out)
  std::size_t at_ = 0;              // in current_->records
  bool done_ = false, stopping_ = false;
  std::optional<error> failure_;
  std::uint64_t next_;
  std::thread thread_;
};

}  // namespace thidua::engine
