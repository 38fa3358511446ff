#pragma once
// The command ids accepted so far in the batch the log thread is building, so that a
// repeat inside one batch answers with the first one's result. Open addressing over views into the batch's
// requests; reset per batch without allocating once it has grown to the batch size.

#include "storage/rocksdb/private.h"

#include <cstddef>
#include <functional>
#include <string_view>
#include <vector>

namespace thidua::storage {

class command_id_set {
 public:
  // Empties the set for a batch of up to `items` ids.
  void reset(std::size_t items) {
    std::size_t capacity = 16;
    while (capacity < 2 * items) capacity <<= 1;
    slots_.assign(capacity, slot{});
  }

  // The item that holds `id`, or nullptr.
  const std::size_t* find(std::string_view id) const {
    for (std::size_t i = start(id);; i = (i + 1) & (slots_.size() - 1)) {
      const slot& s = slots_[i];
      if (!s.used) return nullptr;
      if (s.id == id) return &s.item;
    }
  }

  // `id` must not be in the set yet, and the set holds fewer ids than `reset` was given.
  void insert(std::string_view id, std::size_t item) {
    std::size_t i = start(id);
    while (slots_[i].used) i = (i + 1) & (slots_.size() - 1);
    slots_[i] = {id, item, true};
  }

 private:
  struct slot {
    std::string_view id;
    std::size_t item = 0;
    bool used = false;
  };
  std::size_t start(std::string_view id) const {
    return std::hash<std::string_view>{}(id) & (slots_.size() - 1);
  }
  std::vector<slot> slots_;
};

}  // namespace thidua::storage
