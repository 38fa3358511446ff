// Each unit's inbox on the real server: the demo's Cluster II 2023 cycle gives Sơn La exactly its notices;
// two officers of Sơn La read them independently, by commands that survive a restart; the WebSocket
// subscription carries new notices and the unread count live.

#include <gtest/gtest.h>

#include <thread>

#include "tests/api/api_support.h"
#include "tests/domain/cluster_ii_script.h"

namespace thidua::testing {
namespace {

class inbox_api : public demo_server_test {
 protected:
  // A new Sơn La officer's token, issued by the organizer's office.
  std::string officer(const std::string& person) {
    ws_client office(server.port(), tokens.at("ORGANIZER_OFFICE BCA-X03"));
    api::pb::TokenCommand c;
    c.mutable_issue()->set_unit_id("CA-SonLa");
    c.mutable_issue()->set_person_name(person);
    c.mutable_issue()->set_role("MEMBER");
    const auto reply = office.request(command_frame("issue-" + std::to_string(++issued_), c));
    EXPECT_TRUE(reply.has_accepted()) << reply.DebugString();
    return reply.accepted().token_secret();
  }

  api::pb::Inbox inbox(int port, const std::string& token, const std::string& params = "limit=200") {
    return http_query_result(http_get(port, "/v1/inbox?" + params, token)).inbox();
  }

  // POST /v1/commands marking notices; the whole response.
  std::string mark(int port, const std::string& token, const std::string& command_id,
                   const std::string& action) {
    return http_post(port, "/v1/commands",
                     R"({"command_id":")" + command_id + R"(","inbox":{)" + action + "}}", token);
  }
  int issued_ = 0;
};

TEST_F(inbox_api, sonla_sees_exactly_its_notices_of_cluster_ii_2023_and_each_officer_reads_them_apart) {
  const std::string hoa = officer("Lò Thị Hoa"), minh = officer("Quàng Văn Minh");
  // Read once the inbox read model has applied the whole log (it catches up after the server starts).
  const auto synced = [&](const std::string& token) {
    return "&at_least_position=" +
           std::to_string(http_query_result(http_get(server.port(), "/v1/inbox", token)).head());
  };
  const auto all = inbox(server.port(), hoa, "limit=200" + synced(hoa));
  EXPECT_EQ(all.inbox(), "CA-SonLa");
  std::vector<std::string> kinds;
  for (auto it = all.notices().rbegin(); it != all.notices().rend(); ++it) {
    kinds.push_back(it->kind());
    EXPECT_EQ(it->cycle(), "BCA/dia-phuong/2/2023");
    EXPECT_EQ(it->link(), "/v1/cycles/BCA/dia-phuong/2023/2/full");
    EXPECT_FALSE(it->read());
    if (it->kind() == "pledge_signed") {
      EXPECT_EQ(it->text_vi().find("Sơn La"), std::string::npos)
          << "not its own signature: " << it->text_vi();
    }
  }
  // What the demo records of the cycle, as Sơn La hears it: not the chair's tasks, not its own signature.
  const std::vector<std::string> expected{
      "cycle_opened",        "launch_held",     "pledge_to_sign",        "pledge_signed", "pledge_signed",
      "pledge_signed",       "pledge_signed",   "pledge_signed",         "pledge_signed", "pledge_in_force",
      "self_assessment_due", "scores_verified", "year_end_summary_held", "vote_result",   "vote_result",
      "vote_result",         "nominated",       "chair_handed_over"};
  EXPECT_EQ(kinds, expected);
  EXPECT_EQ(all.total(), expected.size());
  EXPECT_EQ(all.unread(), expected.size());
  EXPECT_EQ(all.notices(0).text_vi(),
            "Cụm trưởng năm 2024: Công an tỉnh Lạng Sơn; Cụm phó: Công an tỉnh Cao Bằng (bàn giao ngày "
            "25/11/2023).");

  // Paging, newest first.
  const auto first = inbox(server.port(), hoa, "limit=5");
  ASSERT_EQ(first.notices_size(), 5);
  EXPECT_EQ(first.notices(0).position(), all.notices(0).position());
  const auto second =
      inbox(server.port(), hoa, "limit=5&before_position=" + std::to_string(first.next_before_position()));
  ASSERT_EQ(second.notices_size(), 5);
  EXPECT_EQ(second.notices(0).position(), all.notices(5).position());

  // Hoa reads the two newest; Minh has read nothing.
  const auto p0 = std::to_string(all.notices(0).position()), p1 = std::to_string(all.notices(1).position());
  const auto marked =
      mark(server.port(), hoa, "read-1", R"("mark_read":{"positions":[)" + p0 + "," + p1 + "]}");
  ASSERT_EQ(http_status(marked), 200u) << marked;
  const auto at = synced(hoa);
  auto hoas = inbox(server.port(), hoa, "limit=200" + at);
  EXPECT_EQ(hoas.unread(), expected.size() - 2);
  EXPECT_TRUE(hoas.notices(0).read());
  EXPECT_TRUE(hoas.notices(1).read());
  EXPECT_FALSE(hoas.notices(2).read());
  EXPECT_EQ(inbox(server.port(), hoa, "unread_only=true&limit=200" + at).notices_size(),
            static_cast<int>(expected.size() - 2));
  EXPECT_EQ(inbox(server.port(), minh, "limit=200" + at).unread(), expected.size());

  // Who read what is in the log, in the inbox's own stream, which only the unit's people read.
  const auto marks = http_query_result(http_get(server.port(), "/v1/streams/inbox/CA-SonLa", minh));
  ASSERT_EQ(marks.events_size(), 1);
  EXPECT_EQ(marks.events(0).type(), "NoticesRead");
  EXPECT_NE(marks.events(0).actor_person().find("Lò Thị Hoa"), std::string::npos);
  EXPECT_EQ(marks.events(0).inbox().notices_read().positions_size(), 2);
  EXPECT_EQ(
      http_query_result(http_get(server.port(), "/v1/streams/inbox/CA-SonLa", tokens.at("CHAIR CA-LaiChau")))
          .events_size(),
      0)
      << "another unit does not see Sơn La's reading";

  // The same command again is its repeat; a notice of another unit's inbox is not Hoa's to mark.
  const auto again =
      mark(server.port(), hoa, "read-1", R"("mark_read":{"positions":[)" + p0 + "," + p1 + "]}");
  EXPECT_NE(http_body(again).find(R"("duplicate":true)"), std::string::npos) << again;
  const auto chair_inbox = inbox(server.port(), tokens.at("CHAIR CA-LaiChau"), "limit=200" + at);
  std::uint64_t chairs_own = 0;
  for (const auto& n : chair_inbox.notices())
    if (n.kind() == "scores_to_verify") chairs_own = n.position();
  ASSERT_NE(chairs_own, 0u);
  const auto foreign =
      mark(server.port(), hoa, "read-2", R"("mark_read":{"positions":[)" + std::to_string(chairs_own) + "]}");
  EXPECT_EQ(http_status(foreign), 404u) << foreign;
  EXPECT_NE(foreign.find(R"("field":"inbox.mark_read.positions[0]")"), std::string::npos) << foreign;
  const auto nothing = mark(server.port(), hoa, "read-3", R"("mark_read":{})");
  EXPECT_EQ(http_status(nothing), 400u) << nothing;

  // Minh reads everything at once, then marks one unread again.
  ASSERT_EQ(http_status(
                mark(server.port(), minh, "all",
                     R"("mark_read":{"up_to_position":)" + std::to_string(all.notices(0).position()) + "}")),
            200u);
  const auto unread_one =
      mark(server.port(), minh, "unread-1", R"("mark_unread":{"positions":[)" + p1 + "]}");
  ASSERT_EQ(http_status(unread_one), 200u) << unread_one;
  const auto head = synced(minh);
  EXPECT_EQ(inbox(server.port(), minh, "limit=200" + head).unread(), 1u);

  // Reading is recorded: a restart keeps each officer's marks.
  ASSERT_EQ(server.terminate(), 0);
  server_process again_server(dir.sub("data"));
  ASSERT_NE(again_server.port(), 0) << again_server.output();
  EXPECT_EQ(inbox(again_server.port(), hoa, "limit=200&at_least_position=1").unread(), expected.size() - 2);
  const auto minhs = inbox(again_server.port(), minh, "limit=200&at_least_position=1");
  EXPECT_EQ(minhs.unread(), 1u);
  EXPECT_FALSE(minhs.notices(1).read());
  EXPECT_TRUE(minhs.notices(0).read());
}

TEST_F(inbox_api, the_websocket_inbox_carries_new_notices_and_the_unread_count_live) {
  const std::string hoa = officer("Lò Thị Hoa");
  ws_client client(server.port(), hoa);
  api::pb::ClientFrame sub;
  sub.mutable_subscribe_inbox()->set_subscription_id("hop-thu");
  const auto subscribed = client.request(sub);
  ASSERT_TRUE(subscribed.has_subscribed()) << subscribed.DebugString();
  const auto next_update = [&] {
    while (!client.backlog.empty()) {
      auto f = client.backlog.front();
      client.backlog.pop_front();
      if (f.has_inbox_update()) return f.inbox_update();
      ADD_FAILURE() << f.DebugString();
    }
    for (;;) {
      auto f = client.receive(std::chrono::seconds(10));
      if (!f) {
        ADD_FAILURE() << "no update; close code " << client.close_code() << "\n" << server.output();
        return api::pb::InboxUpdate();
      }
      if (f->has_inbox_update()) return f->inbox_update();
      ADD_FAILURE() << f->DebugString();
    }
  };
  // From now: no notices, the count as it stands (an update follows while the server's inbox read model
  // catches up after its start).
  auto first = next_update();
  for (int i = 0; i < 5 && first.unread() < 18u; ++i) {
    EXPECT_EQ(first.notices_size(), 0);
    first = next_update();
  }
  EXPECT_EQ(first.subscription_id(), "hop-thu");
  EXPECT_EQ(first.inbox(), "CA-SonLa");
  EXPECT_EQ(first.notices_size(), 0);
  EXPECT_EQ(first.unread(), 18u);

  // The Minister's decision for Sơn La arrives as a notice.
  ws_client office(server.port(), tokens.at("ORGANIZER_OFFICE BCA-X03"));
  auto decision =
      cmd::decision("123/QĐ-BCA", pb::MINISTER, {{"CA-SonLa", pb::CERTIFICATE_OF_MERIT}}, "2024-03-15");
  *decision.mutable_cycle() = cluster_ii_key();
  const auto recorded = office.request(command_frame("decision-sonla", decision));
  ASSERT_TRUE(recorded.has_accepted()) << recorded.DebugString();
  const auto live = next_update();
  ASSERT_EQ(live.notices_size(), 1);
  EXPECT_EQ(live.notices(0).kind(), "award_granted");
  EXPECT_EQ(live.notices(0).position(), recorded.accepted().first_position());
  EXPECT_EQ(live.notices(0).text_vi(),
            "Quyết định số 123/QĐ-BCA ngày 15/3/2024: đơn vị được tặng Bằng khen của Bộ trưởng Bộ Công an.");
  EXPECT_EQ(live.unread(), 19u);

  // Reading it (a command on the same connection) brings the count down.
  api::pb::ClientFrame read;
  read.mutable_command()->set_command_id("read-live");
  read.mutable_command()->mutable_inbox()->mutable_mark_read()->add_positions(live.notices(0).position());
  ASSERT_TRUE(client.request(read).has_accepted());
  const auto after_read = next_update();
  EXPECT_EQ(after_read.notices_size(), 0);
  EXPECT_EQ(after_read.unread(), 18u);
  EXPECT_EQ(metric_value(http_get(server.port(), "/metrics"), "thidua_inbox_subscriptions"), 1);

  // Closed with its connection.
  client.close();
  double open = -1;
  for (int i = 0; i < 100 && open != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    open = metric_value(http_get(server.port(), "/metrics"), "thidua_inbox_subscriptions").value_or(-1);
  }
  EXPECT_EQ(open, 0);
}

}  // namespace
}  // namespace thidua::testing
