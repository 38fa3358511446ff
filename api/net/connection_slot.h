#pragma once
// Private to api/: the counts that bound open connections (--max-connections) and, among them, WebSocket
// connections that have not authenticated yet (--max-unauthenticated).

#include <atomic>
#include <cstddef>
#include <memory>

namespace thidua::api {

// Counts an open connection for as long as it lives.
class connection_slot {
 public:
  explicit connection_slot(std::atomic<std::size_t>& open) : open_(open) { ++open_; }
  ~connection_slot() { --open_; }
  connection_slot(const connection_slot&) = delete;
  connection_slot& operator=(const connection_slot&) = delete;

 private:
  std::atomic<std::size_t>& open_;
};

// Counts a WebSocket connection that has not authenticated, until it does or closes.
class unauthenticated_slot {
 public:
  // nullptr when `limit` such connections are open already.
  static std::unique_ptr<unauthenticated_slot> take(std::atomic<std::size_t>& count, std::size_t limit) {
    if (count.fetch_add(1) >= limit) {
      --count;
      return nullptr;
    }
    return std::unique_ptr<unauthenticated_slot>(new unauthenticated_slot(count));
  }
  ~unauthenticated_slot() { --count_; }
  unauthenticated_slot(const unauthenticated_slot&) = delete;
  unauthenticated_slot& operator=(const unauthenticated_slot&) = delete;

 private:
  explicit unauthenticated_slot(std::atomic<std::size_t>& count) : count_(count) {}
  std::atomic<std::size_t>& count_;
};

}  // namespace thidua::api
