#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace thidua::api {

// The frames waiting for one connection's socket, oldest first. A vector with a read index rather than a
// std::deque: a deque allocates ~600 bytes the moment it exists, and most of 10,000 idle connections never
// queue anything.
class frame_queue {
 public:
  struct frame {
    std::string bytes;
    bool text = false;
  };

  bool empty() const { return head_ == frames_.size(); }
  std::size_t size() const { return frames_.size() - head_; }
  frame& front() { return frames_[head_]; }
  void push_back(frame f) { frames_.push_back(std::move(f)); }
  void pop_front() {
    frames_[head_++].bytes = std::string();
    if (head_ < frames_.size()) return;
    head_ = 0;
    // After a burst, give the memory back rather than keep its peak for the connection's lifetime.
    if (frames_.capacity() > 64) {
      std::vector<frame>().swap(frames_);
    } else {
      frames_.clear();
    }
  }

 private:
  std::vector<frame> frames_;
  std::size_t head_ = 0;
};

}  // namespace thidua::api
