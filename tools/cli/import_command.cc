#include "tools/cli/import_command.h"

#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>

#include "api/app/history_recorder.h"
#include "api/app/proto/history_import.pb.h"
#include "api/server/system_wall_clock.h"
#include "tools/cli/cli_support.h"
#include "tools/cli/progress.h"

namespace thidua::cli {
namespace {

// Commands of imports share no ids with any token's (engine/command_id.h).
constexpr const char* import_scope = "import";

std::string where(std::size_t line, const std::string& command_id) {
  return "line " + std::to_string(line) + (command_id.empty() ? "" : " (" + command_id + ")");
}

// The step's command, or a message naming what the line lacks.
std::optional<api::history_command> command_of(api::pb::ImportStep& step, std::string& why) {
  if (step.command_id().empty()) {
    why = "command_id is missing: give each step a stable id of its own";
    return std::nullopt;
  }
  if (step.actor().unit_id().empty()) {
    why = "actor.unit_id is missing: who took this step?";
    return std::nullopt;
  }
  // Every person acts in a role; without one the actor would be the server's own (its deadline timer).
  if (step.actor().role() == domain::pb::ROLE_UNSPECIFIED) {
    why = "actor.role is missing: ORGANIZER_OFFICE, CHAIR, VICE_CHAIR, MEMBER or OBSERVER";
    return std::nullopt;
  }
  if (step.has_registry()) return api::history_command(std::move(*step.mutable_registry()));
  if (step.has_cycle()) return api::history_command(std::move(*step.mutable_cycle()));
  why = "no command: a step holds \"registry\" or \"cycle\"";
  return std::nullopt;
}

}  // namespace

int import_command(const import_options& o) {
  std::ifstream in(o.in, std::ios::binary);
  if (!in) {
    complain("import", "cannot read " + o.in + ": check --in");
    return exit_failed;
  }
  std::error_code size_error;
  const auto bytes = std::filesystem::file_size(o.in, size_error);
  auto log = open_log("import", o.data_dir, o.new_log ? open_mode::create : open_mode::write);
  if (!log) return exit_failed;
  const api::system_wall_clock clock;
  api::history_recorder recorder(*log);
  std::size_t imported = 0, repeated = 0, line_number = 0;
  std::uint64_t read = 0;
  {
    progress_bar bar("importing", size_error ? 0 : bytes >> 10, "KB");
    google::protobuf::util::JsonParseOptions strict;  // a misspelt field is an error, not silently dropped
    for (std::string line; std::getline(in, line);) {
      ++line_number;
      read += line.size() + 1;
      bar.update(read >> 10);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos || line.starts_with("#")) continue;
      api::pb::ImportStep step;
      if (auto parsed = google::protobuf::util::JsonStringToMessage(line, &step, strict); !parsed.ok()) {
        bar.finish();
        complain("import", o.in + ", " + where(line_number, "") + ": not a step: " +
                               std::string(parsed.message()) + " (nothing of this line was recorded)");
        return exit_usage;
      }
      std::string why;
      auto command = command_of(step, why);
      if (!command) {
        bar.finish();
        complain("import", o.in + ", " + where(line_number, step.command_id()) + ": " + why);
        return exit_usage;
      }
      auto r =
          recorder.record(step.command_id(), step.actor(), std::move(*command), clock.now_ms(), import_scope);
      if (!r) {
        bar.finish();
        const auto* refusal = engine::rejection_of(r.error());
        std::string message = o.in + ", " + where(line_number, step.command_id()) + ": ";
        if (refusal)
          message += refusal->code + (r.error().field.empty() ? "" : " at " + r.error().field) + ": " +
                     refusal->message_vi + " (" + r.error().message + ")";
        else
          message += r.error().message;
        complain("import", message +
                               ". The steps before it are recorded; fix this line and run the import "
                               "again: it goes on from here");
        return refusal ? exit_usage : exit_failed;
      }
      ++(r.value().duplicate ? repeated : imported);
    }
  }
  if (in.bad()) {
    complain("import", "reading " + o.in + " failed midway");
    return exit_failed;
  }
  const auto head = log->head().value;
  if (o.json) {
    google::protobuf::Struct out;
    auto& f = *out.mutable_fields();
    f["imported"] = json_number(static_cast<double>(imported));
    f["already_recorded"] = json_number(static_cast<double>(repeated));
    f["head"] = json_number(static_cast<double>(head));
    print_json(out);
  } else {
    std::printf("imported %zu steps from %s (%zu were recorded already); log head at %llu\n", imported,
                o.in.c_str(), repeated, static_cast<unsigned long long>(head));
  }
  return exit_ok;
}

}  // namespace thidua::cli
