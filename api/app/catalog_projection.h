#pragma once
// The catalog read model (units, clusters, cycles; domain/views.h) as an engine projection. It only decodes
// events and hands them to the domain's view folds.

#include <cstdint>
#include <string>

#include "engine/projection_runner.h"

namespace thidua::api {

class catalog_projection final : public engine::projection {
 public:
  // Bump the version when the views change shape: the new name starts a fresh read model (built from 0).
  static constexpr const char* projection_name = "catalog.v2";
  // Beside the views: for each corrected event, the positions of its corrections (the audit lists them).
  // Keys "corrections/<corrected position>/<correction position>", each 20 digits; value: the correction's
  // position.
  static std::string corrections_prefix(std::uint64_t corrected);
  // Read models this one replaced: erased at start, so that they take no disk.
  static constexpr const char* superseded[] = {"catalog.v1"};
  std::string name() const override { return projection_name; }
  result<void> apply(const storage::pb::EventRecord& record, engine::projection_context& ctx) override;
};

}  // namespace thidua::api
