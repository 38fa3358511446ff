#pragma once
// Which units are members of each cluster's cycle, in memory, for deciding per event what a token may read.
// A unit that was ever a member of a cluster's cycle in a year stays one here (a dissolved opening's members
// keep reading what happened while they were), so the index only grows and the order in which it learns does
// not matter. It learns from the catalog read model and the log tail when it starts, and from every durable
// batch after that through the subscription hub (engine::hub_hooks::learn), which hands it each batch before
// any subscriber's filter sees the batch.

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "storage/event_log.h"

namespace thidua::api {

class membership_index {
 public:
  explicit membership_index(storage::event_log& log) : log_(log) {}
  membership_index(const membership_index&) = delete;
  membership_index& operator=(const membership_index&) = delete;

  // Loads what the log holds so far (read model up to its checkpoint, then the log after it).
  result<void> load(std::string_view catalog_projection);
  // Learns the cycles a durable batch opens.
  void learn(const std::vector<storage::event_ptr>& batch);
  using unit_list = std::shared_ptr<const std::vector<std::string>>;
  // The members of `cluster` (normalized number) in the cycle stream `stream`; an empty list when unknown.
  unit_list members(std::string_view stream, std::string_view cluster) const;
  // The cycles (stream, cluster) that `unit` is a member of.
  std::vector<std::pair<std::string, std::string>> cycles_of(std::string_view unit) const;

 private:
  void learn(const storage::pb::EventRecord& record);
  void add(std::string stream, std::string cluster, std::vector<std::string> members);

  storage::event_log& log_;
  mutable std::shared_mutex mu_;
  std::map<std::string, unit_list, std::less<>> members_;  // "stream\ncluster" → units
};

}  // namespace thidua::api
