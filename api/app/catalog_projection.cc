#include "api/app/catalog_projection.h"

#include <type_traits>
#include <variant>

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

result<void> catalog_projection::apply(const storage::pb::EventRecord& record,
                                       engine::projection_context& ctx) {
  const std::string& stream = record.stream_id();
  const domain::event_meta meta{stream, record.position(), record.recorded_at_ms()};
  context_store store(ctx);
  auto decoded = domain::decode_event(stream, record.event_type(), record.payload());
  if (decoded.undecodable())
    return make_error(engine::errc::undecodable_event,
                      std::string("catalog: undecodable ") +
                          (decoded.kind == domain::stream_kind::cycle ? "cycle" : "registry") +
                          " event at position " + std::to_string(record.position()));
  std::visit(
      [&](const auto& e) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(e)>, std::monostate>)
          domain::apply_to_views(e, meta, store);
      },
      decoded.event);
  if (store.failure_) return *store.failure_;
  if (const auto* e = std::get_if<domain::pb::Event>(&decoded.event); e && e->has_correction_recorded())
    ctx.put(corrections_prefix(e->correction_recorded().details().corrects_position()) +
                padded(record.position()),
            std::to_string(record.position()));
  return success();
}

}  // namespace thidua::api
