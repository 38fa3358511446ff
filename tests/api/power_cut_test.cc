// The server's promise, through its API: a command whose reply said accepted is there after a power cut. The
// server runs on the power-cut file system (tests/api/power_cut_server.cc); while commands are in flight it
// is killed and everything it had not synced is dropped; a plain server then answers each accepted command's
// retry as the duplicate it is, at the positions first given.

#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
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
    server_process server(db, fast, {POWER_CUT_SERVER_PATH, {"journal=" + dir.sub("journal")}});
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

// docs/api.md: when a disk write fails the server answers UNAVAILABLE and refuses writes until it is
// restarted (what the failed write left is unknown); after the restart the refused command is taken as new.
TEST(power_cut, a_failed_disk_write_is_answered_unavailable_and_writes_wait_for_a_restart) {
  temp_dir dir;
  const std::string db = dir.sub("data");
  const std::string token = issue_tokens(db, {{"tk-office", "BCA-X03", "ORGANIZER_OFFICE", "BCA", {}}}).at(0);
  const std::string disk_fails = dir.sub("disk-fails");
  const auto run = [&](ws_client& c, const std::string& id) {
    return c.request(command_frame(id, register_unit("U-" + id)));
  };
  {
    server_process server(db, {"--no-demo"}, {POWER_CUT_SERVER_PATH, {"fail-while=" + disk_fails}});
    ASSERT_GT(server.port(), 0) << server.output();
    ws_client office(server.port(), token);
    ASSERT_TRUE(run(office, "before").has_accepted());
    std::ofstream(disk_fails) << "the disk refuses writes while this file exists\n";
    const auto during = run(office, "during");
    ASSERT_TRUE(during.has_error()) << during.DebugString();
    EXPECT_EQ(during.error().code(), "UNAVAILABLE") << during.DebugString();
    std::filesystem::remove(disk_fails);
    const auto after = run(office, "after");
    ASSERT_TRUE(after.has_error()) << after.DebugString();
    EXPECT_EQ(after.error().code(), "UNAVAILABLE") << "refused until restarted, the disk fine again or not";
    EXPECT_TRUE(office.request(ping_frame()).has_pong()) << "the connection is still served";
    server.terminate();
  }
  server_process plain(db, {"--no-demo"});
  ASSERT_GT(plain.port(), 0) << plain.output();
  ws_client office(plain.port(), token);
  const auto before = run(office, "before");
  ASSERT_TRUE(before.has_accepted());
  EXPECT_TRUE(before.accepted().duplicate());
  for (const char* id : {"during", "after"}) {
    const auto again = run(office, id);
    ASSERT_TRUE(again.has_accepted()) << id << ": " << again.DebugString();
    EXPECT_FALSE(again.accepted().duplicate()) << id << " was refused, so it was not recorded";
  }
}

}  // namespace
}  // namespace thidua::testing
