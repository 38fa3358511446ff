#pragma once
// One thread that runs the tasks handed to it, one at a time, in the order they came: the engine's work that
// must not run on the log's thread (deciding the next commands, answering callers) but must keep log order.

#include <pthread.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace thidua::engine {

class serial_executor {
 public:
  // `name`: the thread's name (at most 15 bytes), as `top -H` shows it.
  explicit serial_executor(std::string name) : name_(std::move(name)), thread_([this] { run(); }) {}
  // Runs what was handed over before, then stops. Never from a task of this executor.
  ~serial_executor() {
    {
      std::lock_guard lk(mu_);
      stopping_ = true;
      cv_.notify_one();
    }
    thread_.join();
  }
  serial_executor(const serial_executor&) = delete;
  serial_executor& operator=(const serial_executor&) = delete;

  void post(std::function<void()> task) {
    // Notified under the lock: once the destructor can take the lock, no poster touches cv_ any more, so the
    // destructor may destroy it (ThreadSanitizer saw a notify racing the destruction).
    std::lock_guard lk(mu_);
    tasks_.push_back(std::move(task));
    cv_.notify_one();
  }

 private:
  void run() {
    pthread_setname_np(pthread_self(), name_.c_str());
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lk(mu_);
        cv_.wait(lk, [&] { return stopping_ || !tasks_.empty(); });
        if (tasks_.empty()) return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }

  const std::string name_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace thidua::engine
