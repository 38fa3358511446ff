#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <unordered_map>
#include <utility>

namespace thidua::engine {

// Items waiting their turn, served round-robin by owner (one from each owner in turn, each owner's in the
// order they came), so that an owner with many items cannot make another wait behind all of them. Not
// thread-safe: its owner locks.
template <class T>
class fair_queue {
 public:
  void push(const std::string& owner, T item) {
    auto& q = by_owner_[owner];
    if (q.empty()) turns_.push_back(owner);
    q.push_back(std::move(item));
    ++size_;
  }

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

  // The next item in turn. Only when !empty().
  T pop() {
    std::string owner = std::move(turns_.front());
    turns_.pop_front();
    auto it = by_owner_.find(owner);
    T item = std::move(it->second.front());
    it->second.pop_front();
    if (it->second.empty()) {
      by_owner_.erase(it);
    } else {
      turns_.push_back(std::move(owner));
    }
    --size_;
    return item;
  }

 private:
  std::unordered_map<std::string, std::deque<T>> by_owner_;
  std::deque<std::string> turns_;  // owners with waiting items, in the order they are served next
  std::size_t size_ = 0;
};

}  // namespace thidua::engine
