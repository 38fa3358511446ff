#pragma once
// What a command changes of its stream's durable timers (engine/decider.h, schedules_timers): the timers its
// subject wants before and after its events, compared. The pipeline records the difference with the events.

#include <map>
#include <string>
#include <vector>

#include "engine/decider.h"
#include "storage/event_log.h"

namespace thidua::engine {

template <decider D>
requires schedules_timers<D>
void timer_changes(const typename D::state& before, const typename D::state& after,
                   const typename D::command& c, std::vector<storage::timer_entry>& set,
                   std::vector<storage::timer_entry>& cancelled) {
  std::map<std::string, storage::timer_entry> wanted_before;
  for (const auto& t : D::timers(before, c))
    wanted_before.emplace(t.id, storage::timer_entry{"", t.id, t.due_ms, D::encode_command(t.fires)});
  for (const auto& t : D::timers(after, c)) {
    storage::timer_entry now{"", t.id, t.due_ms, D::encode_command(t.fires)};
    if (auto it = wanted_before.find(now.id); it != wanted_before.end()) {
      const bool same = it->second.due_ms == now.due_ms && it->second.payload == now.payload;
      if (same) {
        wanted_before.erase(it);
        continue;
      }
    }
    set.push_back(std::move(now));
  }
  // What is left was wanted before and is not (or not so) any more.
  for (auto& [id, t] : wanted_before) cancelled.push_back(std::move(t));
}

}  // namespace thidua::engine
