#pragma once
// The catalog read model (units, clusters, cycles; domain/views.h) as an engine projection. It only decodes
// events and hands them to the domain's view folds.

#include "engine/projection_runner.h"

namespace thidua::api {

class catalog_projection final : public engine::projection {
 public:
  // Bump the version when the views change shape: the new name starts a fresh read model (built from 0).
  static constexpr const char* projection_name = "catalog.v1";
  std::string name() const override { return projection_name; }
  result<void> apply(const storage::pb::EventRecord& record, engine::projection_context& ctx) override;
};

}  // namespace thidua::api
