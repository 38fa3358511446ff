#include "api/demo_loader.h"

#include "domain/cycle_decider.h"
#include "domain/fixtures/demo.h"
#include "domain/registry_decider.h"
#include "engine/command_pipeline.h"

namespace thidua::api {

result<demo_summary> load_demo(storage::event_log& log, std::int64_t now_ms) {
  auto built = domain::demo::build(domain::demo::embedded_fixtures());
  if (auto* message = std::get_if<std::string>(&built)) {
    return make_error(std::make_error_code(std::errc::invalid_argument), *message);
  }
  engine::command_pipeline<domain::registry_decider> registry(log);
  engine::command_pipeline<domain::cycle_decider> cycles(log);
  demo_summary summary;
  for (auto& s : std::get<std::vector<domain::demo::step>>(built)) {
    result<engine::command_result> r = make_error(std::make_error_code(std::errc::invalid_argument));
    if (auto* c = std::get_if<domain::pb::RegistryCommand>(&s.command)) {
      r = registry.execute({s.command_id, s.actor, std::move(*c), now_ms, std::nullopt, {}, {}});
    } else {
      r = cycles.execute({s.command_id,
                          s.actor,
                          std::move(std::get<domain::pb::Command>(s.command)),
                          now_ms,
                          std::nullopt,
                          {},
                          {}});
    }
    if (!r) {
      error e = r.error();
      e.message = "demo step " + s.command_id + ": " + (e.reason.empty() ? "" : e.reason + ": ") + e.message;
      return e;
    }
    ++summary.commands;
  }
  summary.head = log.head().value;
  return summary;
}

}  // namespace thidua::api
