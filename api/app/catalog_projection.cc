#include "api/app/catalog_projection.h"

#include "domain/cycle_decider.h"
#include "domain/read_access.h"
#include "domain/registry_decider.h"
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

result<void> catalog_projection::apply(const storage::pb::EventRecord& record,
                                       engine::projection_context& ctx) {
  const std::string& stream = record.stream_id();
  const domain::event_meta meta{stream, record.position(), record.recorded_at_ms()};
  context_store store(ctx);
  if (!domain::organizer_of_cycle_stream(stream).empty()) {
    auto e = domain::cycle_decider::decode(record.event_type(), record.payload());
    if (!e)
      return make_error(engine::errc::undecodable_event,
                        "catalog: undecodable cycle event at position " + std::to_string(record.position()));
    domain::apply_to_views(*e, meta, store);
  } else if (domain::is_registry_stream(stream)) {
    auto e = domain::registry_decider::decode(record.event_type(), record.payload());
    if (!e)
      return make_error(engine::errc::undecodable_event, "catalog: undecodable registry event at position " +
                                                             std::to_string(record.position()));
    domain::apply_to_views(*e, meta, store);
  }
  if (store.failure_) return *store.failure_;
  return success();
}

}  // namespace thidua::api
