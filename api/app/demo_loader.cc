#include "api/app/demo_loader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <map>

#include "api/app/history_recorder.h"
#include "api/app/token_registry.h"

#include "domain/fixtures/demo.h"
#include "engine/command_pipeline.h"

namespace thidua::api {

namespace {

// The server's own commands: no token's commands share their ids (engine/command_id.h).
constexpr const char* demo_scope = "server";

struct demo_holder {
  std::string unit, role, person, organizer;
};

// Who gets a demo token: each organizer's office, and each unit with its highest role in any demo cycle.
std::vector<demo_holder> demo_holders(const std::vector<domain::demo::step>& steps) {
  std::map<std::string, demo_holder> by_unit;
  auto rank = [](const std::string& role) { return role == "CHAIR" ? 3 : role == "VICE_CHAIR" ? 2 : 1; };
  auto offer = [&](const std::string& unit, const std::string& role, const std::string& person,
                   const std::string& organizer = {}) {
    if (unit.empty()) return;
    auto [it, fresh] = by_unit.try_emplace(unit, demo_holder{unit, role, person, organizer});
    if (!fresh && rank(role) > rank(it->second.role)) it->second.role = role;
    if (!person.empty() && it->second.person.empty()) it->second.person = person;
  };
  for (const auto& s : steps) {
    if (s.actor.role() == domain::pb::ORGANIZER_OFFICE) {
      offer(s.actor.unit_id(), "ORGANIZER_OFFICE",
            s.actor.person_name().empty() ? "Cán bộ thường trực thi đua" : s.actor.person_name(),
            s.actor.organizer_id());
    }
    const auto* c = std::get_if<domain::pb::Command>(&s.command);
    if (!c || !c->has_open()) continue;
    for (const auto& m : c->open().member_unit_ids()) offer(m, "MEMBER", "Lãnh đạo " + m);
    offer(c->open().chair_unit_id(), "CHAIR", "Lãnh đạo " + c->open().chair_unit_id());
    offer(c->open().vice_chair_unit_id(), "VICE_CHAIR", "Lãnh đạo " + c->open().vice_chair_unit_id());
  }
  std::vector<demo_holder> out;
  for (auto& [unit, h] : by_unit) out.push_back(h);
  return out;
}

}  // namespace

result<demo_summary> load_demo(storage::event_log& log, std::int64_t now_ms, const std::string& tokens_file) {
  auto built = domain::demo::build(domain::demo::embedded_fixtures());
  if (auto* message = std::get_if<std::string>(&built)) {
    return make_error(std::make_error_code(std::errc::invalid_argument), *message);
  }
  history_recorder recorder(log);
  demo_summary summary;
  for (auto s : std::get<std::vector<domain::demo::step>>(built)) {
    auto r = recorder.record(s.command_id, s.actor, std::move(s.command), now_ms, demo_scope);
    if (!r) {
      error e = r.error();
      e.message = "demo step " + s.command_id + ": " +
                  (engine::rejection_of(e) ? engine::rejection_of(e)->code + ": " : "") + e.message;
      return e;
    }
    ++summary.commands;
  }
  // Demo tokens: issued as events like any other token, the secrets written once to a file only its owner
  // reads.
  const int fd = ::open(tokens_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return make_error(std::error_code(errno, std::generic_category()), "demo tokens file " + tokens_file);
  std::string text = "# thidua demo tokens: role unit token person. Keep this file private.\n";
  engine::command_pipeline<token_decider> tokens(log);
  const auto steps = std::get<std::vector<domain::demo::step>>(built);
  for (const auto& h : demo_holders(steps)) {
    const std::string secret = new_token_secret();
    pb::TokenCommand c;
    auto* g = c.mutable_issue();
    g->set_token_id("tk-demo-" + h.unit);
    g->set_sha256(token_hash(secret));
    g->set_unit_id(h.unit);
    g->set_person_name(h.person);
    g->set_role(h.role);
    g->set_organizer_id(h.organizer);
    auto r = tokens.execute(
        {"demo-token-" + h.unit, {"demo", nullptr}, c, now_ms, std::nullopt, {}, {}, demo_scope});
    if (!r) {
      ::close(fd);
      return r.error();
    }
    text += h.role + " " + h.unit + " " + secret + " " + h.person + "\n";
    ++summary.tokens;
  }
  const bool written =
      ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) return make_error(std::error_code(errno, std::generic_category()), "writing " + tokens_file);
  summary.head = log.head().value;
  return summary;
}

}  // namespace thidua::api
