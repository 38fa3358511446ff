#pragma once
// Which units read each cluster's cycle, in memory, for deciding per event what a token may read. A unit
// reads a cluster's year when it was ever a member of it that year (a dissolved opening's members, a unit
// merged away mid-year), or when it continues such a unit (the registry's mergers: the successor reads its
// predecessors' history under their names). So the index only grows, and the order in which it learns does
// not matter. It learns from the catalog read model and the log tail when it starts, and from every durable
// batch after that through the subscription hub (engine::hub_hooks::learn), which hands it each batch before
// any subscriber's filter sees the batch.

#include <map>
#include <memory>
#include <set>
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
  // Learns the cycles a durable batch opens or changes, and the mergers the registry records.
  void learn(const std::vector<storage::event_ptr>& batch);
  using unit_list = std::shared_ptr<const std::vector<std::string>>;
  // The units that read `cluster` (normalized number) in the cycle stream `stream`: its members, former
  // members and their successors; an empty list when unknown.
  unit_list members(std::string_view stream, std::string_view cluster) const;
  // The cycles (stream, cluster) that `unit` reads as a member or a successor.
  std::vector<std::pair<std::string, std::string>> cycles_of(std::string_view unit) const;

 private:
  void learn(const storage::pb::EventRecord& record);
  void add(const std::string& stream, const std::string& cluster, const std::vector<std::string>& units);
  void merged(const std::string& unit, const std::string& into);
  // The members and every unit that continues one of them. Called with mu_ held.
  unit_list readers_of(const std::set<std::string>& members) const;

  storage::event_log& log_;
  mutable std::shared_mutex mu_;
  struct cycle_entry {
    std::set<std::string> members;  // members and former members, as the cycle's events name them
    unit_list readers;              // replaced, never changed under a reader
  };
  std::map<std::string, cycle_entry, std::less<>> cycles_;       // "stream\ncluster" → entry
  std::map<std::string, std::string, std::less<>> merged_into_;  // the registry's mergers
};

}  // namespace thidua::api
