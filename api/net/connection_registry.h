#pragma once
// Private to api/: every open connection, HTTP or WebSocket, so that stopping the server reaches each of
// them.

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace thidua::api {

// What stopping needs of a connection, plain or TLS, HTTP or WebSocket.
class closable {
 public:
  virtual ~closable() = default;
  // Begins an orderly close from any thread: an HTTP connection is shut down; a WebSocket gets close 1001
  // once the replies it is owed are sent.
  virtual void close() = 0;
};

class connection_registry {
 public:
  void add(const std::shared_ptr<closable>& c) {
    std::lock_guard lk(mu_);
    // Sweep closed connections now and then, not on every add: a sweep per add is quadratic.
    if (open_.size() >= sweep_at_) {
      std::erase_if(open_, [](const auto& w) { return w.expired(); });
      sweep_at_ = std::max<std::size_t>(1024, 2 * open_.size());
    }
    open_.push_back(c);
  }

  // Tells every open connection to close; returns how many were told.
  std::size_t close_all() {
    std::lock_guard lk(mu_);
    std::size_t told = 0;
    for (auto& w : open_)
      if (auto c = w.lock()) {
        c->close();
        ++told;
      }
    return told;
  }

  // Waits until every connection is gone or `limit` has passed; true if all are gone.
  bool wait_all_closed(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      {
        std::lock_guard lk(mu_);
        std::erase_if(open_, [](const auto& w) { return w.expired(); });
        if (open_.empty()) return true;
      }
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

 private:
  std::mutex mu_;
  std::vector<std::weak_ptr<closable>> open_;
  std::size_t sweep_at_ = 1024;
};

}  // namespace thidua::api
