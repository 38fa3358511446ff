// The server's promise, through its API: a command whose reply said accepted is there after a power cut. The
// server runs on the power-cut file system (tests/api/power_cut_server.cc); while commands are in flight it
// is killed and everything it had not synced is dropped; a plain server then answers each accepted command's
// retry as the duplicate it is, at the positions first given.

#include <gtest/gtest.h>
#include <signal.h>

#include <map>

#include "domain/proto/registry.pb.h"
#include "storage/event_log.h"
#include "tests/api/api_support.h"
#include "tests/support/power_cut_fs.h"
#include "tests/support/test_support.h"

namespace thidua::testing {
namespace {

domain::pb::RegistryCommand register_unit(const std::string& unit) {
  domain::pb::RegistryCommand r;
  r.mutable_register_unit()->set_unit_id(unit);
  r.mutable_register_unit()->set_name("Công an " + unit);
  r.mutable_register_unit()->set_kind(domain::pb::PROVINCIAL_POLICE);
  return r;
}

TEST(power_cut, a_command_whose_reply_said_accepted_is_there_after_a_power_cut) {
  temp_dir dir;
  const std::string db = dir.sub("data");
  const std::string token = issue_tokens(db, {{"tk-office", "BCA-X03", "ORGANIZER_OFFICE", "BCA", {}}}).at(0);
  const std::vector<std::string> fast = {"--no-demo", "--max-frames-per-second", "100000"};

  std::map<std::string, api::pb::CommandAccepted> accepted;  // by command id
  std::size_t in_flight = 0;
  {
    server_process server(db, fast, {POWER_CUT_SERVER_PATH, {dir.sub("journal")}});
    ASSERT_GT(server.port(), 0) << server.output();
    ws_client office(server.port(), token);
    ASSERT_TRUE(office.open());
    // Commands pipelined on one connection: sent at once, so that many are in flight at every moment.
    constexpr int sent = 600;
    for (int i = 0; i < sent; ++i) {
      auto frame = command_frame("reg-" + std::to_string(i), register_unit("U" + std::to_string(i)));
      frame.set_request_id("reg-" + std::to_string(i));
      office.send(frame);
    }
    int replies = 0;
    while (auto reply = office.receive(std::chrono::seconds(30))) {
      ++replies;
      if (reply->has_accepted()) accepted[reply->request_id()] = reply->accepted();
      if (accepted.size() == 50) break;  // cut the power with the rest in flight
    }
    in_flight = sent - replies;
    ::kill(server.pid(), SIGKILL);
  }
  ASSERT_EQ(accepted.size(), 50u) << "the server accepted too few before the cut";
  EXPECT_GT(in_flight, 0u) << "the cut must come with commands in flight";
  const auto cut = cut_power(dir.sub("journal"));
  ASSERT_EQ(cut.error, "");
  EXPECT_GT(cut.writes_dropped, 0u) << "the cut dropped nothing: it proved nothing";

  server_process plain(db, fast);
  ASSERT_GT(plain.port(), 0) << plain.output();
  ws_client office(plain.port(), token);
  for (const auto& [command_id, first] : accepted) {
    const std::string unit = "U" + command_id.substr(4);
    auto again = office.request(command_frame(command_id, register_unit(unit)));
    ASSERT_TRUE(again.has_accepted()) << command_id << ": " << again.DebugString();
    EXPECT_TRUE(again.accepted().duplicate()) << command_id << " was lost in the power cut";
    EXPECT_EQ(again.accepted().first_position(), first.first_position()) << command_id;
    EXPECT_EQ(again.accepted().last_position(), first.last_position()) << command_id;
  }
  EXPECT_EQ(plain.terminate(), 0) << plain.output();
}

}  // namespace
}  // namespace thidua::testing
