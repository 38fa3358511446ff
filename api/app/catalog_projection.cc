#include "api/app/catalog_projection.h"

#include <variant>

#include "api/app/vietnam_time.h"
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

std::string padded(std::uint64_t n) {
  std::string s = std::to_string(n);
  return std::string(20 - s.size(), '0') + s;
}

}  // namespace

std::string catalog_projection::corrections_prefix(std::uint64_t corrected) {
  return "corrections/" + padded(corrected) + "/";
}

std::string catalog_projection::events_prefix(const std::string& cycle_key, std::uint64_t bucket) {
  return "events/" + cycle_key + "/" + padded(bucket) + "/";
}

std::string catalog_projection::snapshot_prefix(const std::string& cycle_key) {
  return "snapshot/" + cycle_key + "/";
}

std::string catalog_projection::snapshot_key(const std::string& cycle_key, std::uint64_t position) {
  return snapshot_prefix(cycle_key) + padded(position);
}

namespace {

// The day index: the event counts on the day of the latest instant recorded so far.
result<void> index_day(const storage::pb::EventRecord& record, engine::projection_context& ctx) {
  auto clock = ctx.get("clock");
  if (!clock) return clock.error();
  std::int64_t latest = clock.value() ? std::stoll(*clock.value()) : INT64_MIN;
  if (record.recorded_at_ms() > latest) {
    latest = record.recorded_at_ms();
    ctx.put("clock", std::to_string(latest));
  }
  ctx.put(catalog_projection::day_prefix + vietnam_date(latest), std::to_string(record.position()));
  return success();
}

}  // namespace

result<void> catalog_projection::apply(const storage::pb::EventRecord& record,
                                       engine::projection_context& ctx) {
  const std::string& stream = record.stream_id();
  const domain::event_meta meta{stream, record.position(), record.recorded_at_ms(), record.stream_version()};
  context_store store(ctx);
  auto decoded = domain::decode_event(stream, record.event_type(), record.payload());
  if (decoded.undecodable())
    return make_error(engine::errc::undecodable_event,
                      std::string("catalog: undecodable ") +
                          (decoded.kind == domain::stream_kind::cycle ? "cycle" : "registry") +
                          " event at position " + std::to_string(record.position()));
  domain::cycle_view_written cycle;
  if (const auto* e = std::get_if<domain::pb::Event>(&decoded.event))
    cycle = domain::apply_to_views(*e, meta, store);
  if (const auto* e = std::get_if<domain::pb::RegistryEvent>(&decoded.event))
    domain::apply_to_views(*e, meta, store);
  if (store.failure_) return *store.failure_;
  if (!cycle.key.empty())
    ctx.put(events_prefix(cycle.key, (cycle.events - 1) / snapshot_every) + padded(record.position()), {});
  if (!cycle.key.empty() && cycle.events % snapshot_every == 0) {
    auto view = ctx.get(cycle.key);
    if (!view) return view.error();
    if (view.value()) ctx.put(snapshot_key(cycle.key, record.position()), *view.value());
  }
  if (auto indexed = index_day(record, ctx); !indexed) return indexed.error();
  if (const auto* e = std::get_if<domain::pb::Event>(&decoded.event); e && e->has_correction_recorded())
    ctx.put(corrections_prefix(e->correction_recorded().details().corrects_position()) +
                padded(record.position()),
            std::to_string(record.position()));
  return success();
}

}  // namespace thidua::api
