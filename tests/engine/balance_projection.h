#pragma once
// Balances per account, as a read model: used by the crash test to compare a resumed projection with a
// rebuild.

#include <string>

#include "engine/projection_runner.h"
#include "tests/engine/account_decider.h"

namespace thidua::testing {

class balance_projection final : public engine::projection {
 public:
  explicit balance_projection(std::string name) : name_(std::move(name)) {}
  std::string name() const override { return name_; }
  result<void> apply(const storage::record_view& e, engine::projection_context& ctx) override {
    auto ev = account::decode(e.event_type, e.payload);
    if (!ev)
      return make_error(std::make_error_code(std::errc::bad_message),
                        "undecodable " + std::string(e.event_type));
    auto current = ctx.get(std::string(e.stream_id));
    if (!current) return current.error();
    account::state s;
    if (current.value()) s = {true, std::stoll(*current.value())};
    s = account::evolve(s, *ev);
    ctx.put(std::string(e.stream_id), std::to_string(s.balance));
    return success();
  }

 private:
  std::string name_;
};

}  // namespace thidua::testing
