#include "api/app/catalog_projection.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <map>
#include <optional>
#include <variant>

#include "api/app/position_key.h"
#include "api/app/vietnam_time.h"
#include "domain/cycle_decider.h"
#include "domain/event_skim.h"
#include "domain/ids.h"
#include "domain/streams.h"
#include "domain/views.h"
#include "engine/errc.h"

namespace thidua::api {
namespace {

class context_store final : public domain::view_store {
 public:
  explicit context_store(engine::projection_context& ctx) : ctx_(ctx) {}
  std::optional<std::string> get(const std::string& key) override {
    auto r = ctx_.get(key);
    if (!r) {
      failure_ = r.error();
      return std::nullopt;
    }
    return r.value();
  }
  void put(const std::string& key, std::string value) override { ctx_.put(key, std::move(value)); }
  std::optional<error> failure_;

 private:
  engine::projection_context& ctx_;
};

}  // namespace

std::string catalog_projection::corrections_prefix(std::uint64_t corrected) {
  return "corrections/" + position_key(corrected) + "/";
}

std::string catalog_projection::events_prefix(const std::string& cycle_key) {
  return "events/" + cycle_key + "/";
}

std::string catalog_projection::events_key(const std::string& cycle_key, std::uint64_t bucket) {
  return events_prefix(cycle_key) + position_key(bucket);
}

std::string catalog_projection::snapshot_prefix(const std::string& cycle_key) {
  return "snapshot/" + cycle_key + "/";
}

std::string catalog_projection::snapshot_key(const std::string& cycle_key, std::uint64_t position) {
  return snapshot_prefix(cycle_key) + position_key(position);
}

std::string catalog_projection::actor_prefix(std::string_view unit) {
  return "actor/" + std::string(unit) + "/";
}

catalog_projection::listed_positions catalog_projection::read_positions(std::string_view listed,
                                                                        std::uint64_t up_to,
                                                                        std::vector<std::uint64_t>& out) {
  for (std::size_t at = 0; at < listed.size();) {
    std::size_t end = listed.find(',', at);
    if (end == std::string_view::npos) end = listed.size();
    std::uint64_t p = 0;
    const auto parsed = std::from_chars(listed.data() + at, listed.data() + end, p);
    if (parsed.ec != std::errc() || parsed.ptr != listed.data() + end) return listed_positions::unreadable;
    if (p > up_to) return listed_positions::more_after;
    out.push_back(p);
    at = end + 1;
  }
  return listed_positions::all_read;
}

struct catalog_projection::step_state {
  explicit step_state(engine::projection_context& c) : ctx(c), store(c), folder(store) {}
  engine::projection_context& ctx;
  context_store store;
  domain::cycle_view_folder folder;
  domain::pb::Event event;                     // reused: each cycle event is parsed into it
  std::map<std::string, std::string> buckets;  // events key → its positions
  // The bucket of the last cycle event: runs of one cycle's events find it without building its key.
  std::string last_cycle;
  std::uint64_t last_bucket = 0;
  std::string* last_positions = nullptr;
  std::optional<std::int64_t> clock;  // read at the step's first event
  bool clock_moved = false;
  std::int64_t day_number = INT64_MIN;  // the day `day` names, in days since the epoch (Vietnam's time)
  std::string day;
  std::map<std::string, std::uint64_t> last_of_day;
  std::uint64_t* last_of_the_day = nullptr;  // last_of_day[day]
  struct actor_chunk {
    std::uint64_t number = 0;
    std::string positions;
    std::size_t count = 0;
  };
  std::map<std::string, actor_chunk, std::less<>> actors;  // unit → its open chunk
  std::map<std::string, actor_chunk, std::less<>>::pointer last_actor = nullptr;
};

catalog_projection::catalog_projection() = default;
catalog_projection::~catalog_projection() = default;

void catalog_projection::begin_step(engine::projection_context& ctx) {
  step_ = std::make_unique<step_state>(ctx);
}

namespace {

// Appends ",<position>" (no comma when `list` is empty) without a temporary string.
void append_position(std::string& list, std::uint64_t position) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, position).ptr;
  if (!list.empty()) list += ',';
  list.append(digits, end);
}

// The day index: the event counts on the day of the latest instant recorded so far.
template <class Step>
result<void> note_day(Step& st, const storage::record_view& record, engine::projection_context& ctx) {
  if (!st.clock) {
    auto clock = ctx.get("clock");
    if (!clock) return clock.error();
    st.clock = clock.value() ? std::stoll(*clock.value()) : INT64_MIN;
  }
  if (record.recorded_at_ms > *st.clock) {
    st.clock = record.recorded_at_ms;
    st.clock_moved = true;
  }
  using namespace std::chrono;
  const auto day = floor<days>(sys_time<milliseconds>{milliseconds{*st.clock} + hours{7}});
  if (day.time_since_epoch().count() != st.day_number || !st.last_of_the_day) {
    st.day_number = day.time_since_epoch().count();
    st.day = vietnam_date(*st.clock);
    st.last_of_the_day = &st.last_of_day[st.day];
  }
  *st.last_of_the_day = record.position;
  return success();
}

// The event's position appended to its unit's open chunk, written away when full.
template <class Step, class Entry>
result<void> append_to(Step& st, Entry& entry, const storage::record_view& record) {
  auto& chunk = entry.second;
  if (chunk.count == catalog_projection::actor_chunk) {
    st.ctx.put(catalog_projection::actor_prefix(entry.first) + position_key(chunk.number),
               std::move(chunk.positions));
    chunk = {chunk.number + 1, {}, 0};
  }
  append_position(chunk.positions, record.position);
  ++chunk.count;
  return success();
}

// The actor index: the event's position appended to its unit's open chunk.
template <class Step>
result<void> note_actor(Step& st, const storage::record_view& record, engine::projection_context& ctx) {
  // A unit id is [A-Za-z0-9_-]: anything else could not be asked for, and a "/" would mix up the keys.
  if (st.last_actor && st.last_actor->first == record.actor_unit_id)
    return append_to(st, *st.last_actor, record);
  if (!domain::valid_entity_id(record.actor_unit_id)) return success();
  auto it = st.actors.find(record.actor_unit_id);
  if (it == st.actors.end()) {
    typename Step::actor_chunk chunk;
    const std::string unit(record.actor_unit_id);
    auto open = ctx.get("actor-chunk/" + unit);
    if (!open) return open.error();
    if (open.value()) {
      chunk.number = std::stoull(*open.value());
      auto stored = ctx.get(catalog_projection::actor_prefix(unit) + position_key(chunk.number));
      if (!stored) return stored.error();
      if (stored.value()) chunk.positions = std::move(*stored.value());
      chunk.count =
          chunk.positions.empty()
              ? 0
              : 1 + static_cast<std::size_t>(std::count(chunk.positions.begin(), chunk.positions.end(), ','));
    }
    it = st.actors.emplace(unit, std::move(chunk)).first;
  }
  st.last_actor = &*it;
  return append_to(st, *it, record);
}

}  // namespace

result<void> catalog_projection::apply(const storage::record_view& record, engine::projection_context& ctx) {
  if (!step_) return make_error(engine::errc::undecodable_event, "catalog: an event applied outside a step");
  step_state& st = *step_;
  const domain::event_meta meta{record.stream_id, record.position, record.recorded_at_ms,
                                record.stream_version};
  const auto kind = domain::kind_of_stream(record.stream_id);
  const auto undecodable = [&](const char* what) {
    return make_error(engine::errc::undecodable_event, std::string("catalog: undecodable ") + what +
                                                           " event at position " +
                                                           std::to_string(record.position));
  };
  const domain::pb::Event* cycle_event = nullptr;
  if (kind == domain::stream_kind::cycle) {
    // The catalog folds state only: the event's prose is skipped, not parsed.
    if (!domain::parse_skimmed(record.payload, st.event) ||
        domain::event_type_name(st.event.body_case()) != record.event_type)
      return undecodable("cycle");
    cycle_event = &st.event;
  } else if (kind == domain::stream_kind::registry) {
    auto decoded = domain::decode_event(record.stream_id, record.event_type, record.payload);
    const auto* e = std::get_if<domain::pb::RegistryEvent>(&decoded.event);
    if (!e) return undecodable("registry");
    domain::apply_to_views(*e, meta, st.store);
  }
  if (cycle_event) {
    const auto cycle = st.folder.apply(*cycle_event, meta);
    if (!cycle.key.empty()) {
      const std::uint64_t nth = cycle.events - 1;  // 0-based among the cycle's events
      const std::uint64_t bucket_number = nth / snapshot_every;
      if (!st.last_positions || st.last_bucket != bucket_number || st.last_cycle != cycle.key) {
        auto [bucket, added] = st.buckets.try_emplace(events_key(std::string(cycle.key), bucket_number));
        if (added && nth % snapshot_every != 0) {
          // A bucket begun in an earlier step.
          auto stored = ctx.get(bucket->first);
          if (!stored) return stored.error();
          if (stored.value()) bucket->second = std::move(*stored.value());
        }
        st.last_positions = &bucket->second;
        st.last_bucket = bucket_number;
        st.last_cycle = cycle.key;
      }
      append_position(*st.last_positions, record.position);
      if (cycle.events % snapshot_every == 0)
        ctx.put(snapshot_key(std::string(cycle.key), record.position),
                st.folder.serialized(std::string(cycle.key)));
    }
    if (cycle_event->has_correction_recorded())
      ctx.put(corrections_prefix(cycle_event->correction_recorded().details().corrects_position()) +
                  position_key(record.position),
              std::to_string(record.position));
  }
  if (st.store.failure_) return *st.store.failure_;
  if (auto noted = note_actor(st, record, ctx); !noted) return noted.error();
  return note_day(st, record, ctx);
}

result<void> catalog_projection::end_step(engine::projection_context& ctx) {
  if (!step_) return success();
  step_state& st = *step_;
  st.folder.flush();
  if (st.store.failure_) return *st.store.failure_;
  for (auto& [key, positions] : st.buckets) ctx.put(key, std::move(positions));
  if (st.clock_moved) ctx.put("clock", std::to_string(*st.clock));
  for (const auto& [day, last] : st.last_of_day) ctx.put(day_prefix + day, std::to_string(last));
  for (auto& [unit, chunk] : st.actors) {
    ctx.put("actor-chunk/" + unit, std::to_string(chunk.number));
    ctx.put(actor_prefix(unit) + position_key(chunk.number), std::move(chunk.positions));
  }
  step_.reset();
  return success();
}

}  // namespace thidua::api
