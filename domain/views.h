#pragma once
// Read models (domain/proto/views.proto) folded from events: pure functions over a key-value store that the
// hosting projection provides. The keys sort so that lists come out in a useful order.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "domain/cycle_state.h"
#include "domain/proto/registry.pb.h"
#include "domain/proto/views.pb.h"

namespace thidua::domain {

// What the views read and write; reads see the writes made before them.
class view_store {
 public:
  virtual ~view_store() = default;
  virtual std::optional<std::string> get(const std::string& key) = 0;
  virtual void put(const std::string& key, std::string value) = 0;
};

// Where an event sits in the log.
struct event_meta {
  std::string_view stream_id;
  std::uint64_t position = 0;
  std::int64_t recorded_at_ms = 0;
  std::uint64_t stream_version = 0;
};

// Folds a cycle's event into its view; says which view it wrote (key empty: none, the event's cycle was
// never opened) and how many events that view has folded in now.
struct cycle_view_written {
  std::string key;
  std::uint64_t events = 0;
};
cycle_view_written apply_to_views(const pb::Event& event, const event_meta& meta, view_store& store);

// The same fold, keeping each cycle's view decoded between events: a projection that applies many events of
// a cycle in a row writes its view once, in flush(), instead of parsing and writing it for every event.
// Reads from the store see the views as they were at the last flush.
class cycle_view_folder {
 public:
  explicit cycle_view_folder(view_store& store) : store_(store) {}
  // As apply_to_views says; the key names the folder's own copy (valid while the folder lives).
  struct written {
    std::string_view key;
    std::uint64_t events = 0;
  };
  written apply(const pb::Event& event, const event_meta& meta);
  // The bytes of a view folded here as it stands now (what flush() writes); empty when none was.
  std::string serialized(std::string_view key) const;
  // Writes each view changed since the last flush.
  void flush();

 private:
  struct folded {
    cycle_state state;
    std::string stream_id;
    std::uint64_t last_position = 0;
    std::int64_t updated_at_ms = 0;
    std::uint64_t events = 0;
    std::uint64_t stream_version = 0;
    bool changed = false;
  };
  folded& load(const std::string& key);
  view_store& store_;
  std::unordered_map<std::string, folded> views_;
  std::unordered_map<std::string, std::optional<std::string>> cycle_of_;  // index key → view key
  // The cycle of the last event: a log holds runs of one cycle's events, and finding the view again for each
  // (building its index key, two lookups) was a good part of a rebuild.
  std::string last_stream_, last_cluster_;
  std::unordered_map<std::string, folded>::pointer last_ = nullptr;
};
void apply_to_views(const pb::RegistryEvent& event, const event_meta& meta, view_store& store);

// Keys: "unit/<id>", "cluster/<organizer>/<series>/<number>", "cycle/<organizer>/<series>/<year>/<number>",
// with numbers zero-padded so that 10 sorts after 9. A prefix of a key lists everything under it.
std::string unit_view_key(std::string_view unit_id);
std::string cluster_view_key(std::string_view organizer, std::string_view series, std::string_view number);
std::string cycle_view_key(std::string_view organizer, std::string_view series, std::uint32_t year,
                           std::string_view number);
inline constexpr std::string_view unit_view_prefix = "unit/";
inline constexpr std::string_view cluster_view_prefix = "cluster/";
inline constexpr std::string_view cycle_view_prefix = "cycle/";

// The view of a cycle's state and back; from_view(to_view(s)) == s.
pb::CycleView to_view(const cycle_state& s);
cycle_state from_view(const pb::CycleView& v);
pb::Stage stage_of(const cycle_state& s);

// Deterministic bytes of a view (map order and all), so a rebuild writes the same bytes as the live run.
std::string serialize_view(const google::protobuf::Message& view);

}  // namespace thidua::domain
