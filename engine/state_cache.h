#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace thidua::engine {

// A bounded LRU map from stream id to (version, state) of recently used streams.
// Concurrency: every member locks. Entries are immutable and shared: a reader holds one as long as it likes
// without copying it, and a writer puts a new one in its place.
template <class State>
class state_cache {
 public:
  struct entry {
    std::uint64_t version = 0;
    State state;
  };
  using entry_ptr = std::shared_ptr<const entry>;

  explicit state_cache(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  entry_ptr get(const std::string& stream) {
    std::lock_guard lk(mu_);
    auto it = index_.find(stream);
    if (it == index_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second);
    return it->second->second;
  }

  // Calls fn(const entry&) under the cache's lock and returns what it returns, or nullopt on a miss: for a
  // quick look. fn must not call back into the cache.
  template <class Fn>
  auto visit(const std::string& stream, Fn&& fn)
      -> std::optional<decltype(fn(std::declval<const entry&>()))> {
    std::lock_guard lk(mu_);
    auto it = index_.find(stream);
    if (it == index_.end()) return std::nullopt;
    order_.splice(order_.begin(), order_, it->second);
    return fn(*it->second->second);
  }

  void put(const std::string& stream, entry_ptr e) {
    std::lock_guard lk(mu_);
    if (auto it = index_.find(stream); it != index_.end()) {
      // Never move a stream's cached state backwards: a slow loader may finish after a newer append.
      if (it->second->second->version > e->version) return;
      it->second->second = std::move(e);
      order_.splice(order_.begin(), order_, it->second);
      return;
    }
    order_.emplace_front(stream, std::move(e));
    index_.emplace(stream, order_.begin());
    if (order_.size() > capacity_) {
      index_.erase(order_.back().first);
      order_.pop_back();
    }
  }

  void erase(const std::string& stream) {
    std::lock_guard lk(mu_);
    if (auto it = index_.find(stream); it != index_.end()) {
      order_.erase(it->second);
      index_.erase(it);
    }
  }

  std::size_t size() const {
    std::lock_guard lk(mu_);
    return index_.size();
  }

 private:
  using list = std::list<std::pair<std::string, entry_ptr>>;
  const std::size_t capacity_;
  mutable std::mutex mu_;
  list order_;
  std::unordered_map<std::string, typename list::iterator> index_;
};

}  // namespace thidua::engine
