#pragma once
// A command pipeline over the test account decider on a fresh log: the setup the engine's pipeline tests
// share.

#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "engine/command_pipeline.h"
#include "tests/engine/account_decider.h"
#include "tests/storage/log_fixture.h"

namespace thidua::engine {

class account_pipeline_test : public thidua::testing::log_fixture {
 protected:
  using account = thidua::testing::account;

  void SetUp() override { open_log(); }
  void open_log(pipeline_options o = {}) {
    pipeline_.reset();
    reopen_log();
    pipeline_ = std::make_unique<command_pipeline<account>>(*log_, o);
  }
  static command_envelope<account> envelope(std::string scope, std::string id, account::command c) {
    command_envelope<account> env;
    env.scope = std::move(scope);
    env.command_id = std::move(id);
    env.command = std::move(c);
    env.now_ms = 1'700'000'000'000;
    return env;
  }
  // Runs a command without a scope and waits for its result.
  result<command_result> run(std::string command_id, account::command c) {
    return pipeline_->execute(envelope("", std::move(command_id), std::move(c)));
  }
  // Submits without waiting; the future has the result.
  std::future<result<command_result>> submit(command_envelope<account> env) {
    auto p = std::make_shared<std::promise<result<command_result>>>();
    auto f = p->get_future();
    pipeline_->execute_async(std::move(env), [p](result<command_result> r) { p->set_value(std::move(r)); });
    return f;
  }
  std::int64_t balance(const std::string& id) {
    auto s = pipeline_->load("account-" + id);
    EXPECT_TRUE(s);
    return s ? s.value().state.balance : -1;
  }

  std::unique_ptr<command_pipeline<account>> pipeline_;
};

}  // namespace thidua::engine
