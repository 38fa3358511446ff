#pragma once
// The catalog read model (units, clusters, cycles; domain/views.h) as an engine projection. It only decodes
// events and hands them to the domain's view folds.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/projection_runner.h"

namespace thidua::api {

class catalog_projection final : public engine::projection {
 public:
  // Bump the version when the views change shape: the new name starts a fresh read model (built from 0).
  static constexpr const char* projection_name = "catalog.v6";
  // Beside the views: for each corrected event, the positions of its corrections (the audit lists them).
  // Keys "corrections/<corrected position>/<correction position>", each 20 digits; value: the correction's
  // position.
  static std::string corrections_prefix(std::uint64_t corrected);
  // For "as of" answers, three more indexes:
  // - snapshots: every `snapshot_every`-th event of a cycle, its view is kept under
  //   "snapshot/<cycle view key>/<20-digit position>", so that the cycle as of any position is the nearest
  //   snapshot at or before it with at most snapshot_every - 1 of its events folded on;
  // - days: "day/<YYYY-MM-DD>" (Vietnam's day) → the last position recorded by the end of that day. A clock
  //   set back does not move a day backwards: an event counts on the latest day any earlier event had
  //   ("clock" holds that instant, UTC ms).
  // - each cycle's events: "events/<cycle view key>/<20-digit bucket>" → the positions (decimal, comma
  //   separated, in order) of the cycle's nth events for n - 1 in [bucket × snapshot_every, (bucket + 1) ×
  //   snapshot_every): the events after a snapshot are one key, whatever the log holds between them.
  // For the audit: the events each unit recorded (as the actor), in chunks of `actor_chunk` positions:
  // "actor/<unit>/<20-digit chunk number>" → positions (decimal, comma separated, in order); the open chunk's
  // number is under "actor-chunk/<unit>". A unit's history is then read without scanning the log.
  static constexpr std::uint64_t actor_chunk = 64;
  static std::string actor_prefix(std::string_view unit);
  // Reads a list of positions (the events and actor indexes) into `out`, those up to `up_to`; says whether
  // there are more after them (false: `listed` is unreadable).
  enum class listed_positions { all_read, more_after, unreadable };
  static listed_positions read_positions(std::string_view listed, std::uint64_t up_to,
                                         std::vector<std::uint64_t>& out);
  static constexpr std::uint64_t snapshot_every = 32;
  static std::string events_key(const std::string& cycle_key, std::uint64_t bucket);
  static std::string events_prefix(const std::string& cycle_key);  // every bucket of the cycle
  static std::string snapshot_prefix(const std::string& cycle_key);
  static std::string snapshot_key(const std::string& cycle_key, std::uint64_t position);
  static constexpr const char* day_prefix = "day/";
  // Read models this one replaced: erased at start, so that they take no disk.
  static constexpr const char* superseded[] = {"catalog.v1", "catalog.v2", "catalog.v3", "catalog.v4",
                                               "catalog.v5"};
  std::string name() const override { return projection_name; }
  void begin_step(engine::projection_context& ctx) override;
  result<void> apply(const storage::record_view& record, engine::projection_context& ctx) override;
  result<void> end_step(engine::projection_context& ctx) override;

  catalog_projection();
  ~catalog_projection() override;

 private:
  // What a step keeps decoded between its events and writes once at its end.
  struct step_state;
  std::unique_ptr<step_state> step_;
};

}  // namespace thidua::api
