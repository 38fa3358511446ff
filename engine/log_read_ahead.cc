#include "engine/log_read_ahead.h"

#include <algorithm>
#include <cstring>

namespace thidua::engine {

log_read_ahead::log_read_ahead(const storage::event_log& log, std::uint64_t from, std::uint64_t to)
    : next_(from), thread_([this, &log, from, to] { read(log, from, to); }) {}

log_read_ahead::~log_read_ahead() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void log_read_ahead::read(const storage::event_log& log, std::uint64_t from, std::uint64_t to) {
  std::unique_ptr<chunk> filling;
  // Hands the chunk being filled to the consumer, waiting while max_chunks wait already; false: stop.
  const auto hand_over = [&] {
    std::unique_lock lk(mu_);
    changed_.wait(lk, [&] { return stopping_ || ready_.size() < max_chunks; });
    if (stopping_) return false;
    if (filling && !filling->records.empty()) ready_.push_back(std::move(filling));
    filling.reset();
    changed_.notify_all();
    return true;
  };
  auto scanned = log.scan_views({from}, {to}, [&](const storage::record_view& r, const storage::hash256&) {
    if (filling && filling->capacity - filling->used < r.bytes.size() && !hand_over()) return false;
    if (!filling) {
      filling = std::make_unique<chunk>();
      filling->capacity = std::max(chunk_bytes, r.bytes.size());
      filling->bytes = std::make_unique<char[]>(filling->capacity);
    }
    char* copy = filling->bytes.get() + filling->used;
    std::memcpy(copy, r.bytes.data(), r.bytes.size());
    filling->used += r.bytes.size();
    filling->records.push_back(storage::moved_into(r, copy));
    return true;
  });
  const bool handed = hand_over();
  std::lock_guard lk(mu_);
  if (!scanned && handed) failure_ = scanned.error();
  done_ = true;
  changed_.notify_all();
}

const storage::record_view* log_read_ahead::front() {
  if (current_ && at_ < current_->records.size()) return &current_->records[at_];
  std::unique_lock lk(mu_);
  changed_.wait(lk, [&] { return !ready_.empty() || done_; });
  if (ready_.empty()) return nullptr;
  current_ = std::move(ready_.front());
  ready_.pop_front();
  at_ = 0;
  changed_.notify_all();
  return &current_->records[at_];
}

void log_read_ahead::pop() {
  next_ = current_->records[at_].position + 1;
  ++at_;
}

std::optional<error> log_read_ahead::failure() const {
  std::lock_guard lk(mu_);
  return failure_;
}

std::size_t log_read_ahead::chunks_waiting() const {
  std::lock_guard lk(mu_);
  return ready_.size();
}

}  // namespace thidua::engine
