// What kind a stream is, how its payloads decode, and what an id looks like: said once, here tested once.

#include <gtest/gtest.h>

#include "domain/ids.h"
#include "domain/streams.h"

namespace thidua::domain {
namespace {

TEST(streams, each_stream_has_one_kind) {
  EXPECT_EQ(kind_of_stream("cycles/BCA/dia-phuong/2023"), stream_kind::cycle);
  EXPECT_EQ(kind_of_stream("registry"), stream_kind::registry);
  EXPECT_EQ(kind_of_stream("tokens"), stream_kind::other);
  EXPECT_EQ(kind_of_stream("registry2"), stream_kind::other);
  EXPECT_EQ(kind_of_stream("cycles//x"), stream_kind::other) << "a cycle stream names its organizer";
  EXPECT_EQ(kind_of_stream("cycles/BCA"), stream_kind::other);
  EXPECT_EQ(organizer_of_cycle_stream("cycles/BCA/x/2023"), "BCA");
}

TEST(streams, payloads_decode_by_their_streams_kind_and_a_bad_one_says_so) {
  pb::Event e;
  e.set_cluster("II");
  e.mutable_cycle_opened();
  const std::string bytes = e.SerializeAsString();
  auto cycle = decode_event("cycles/BCA/x/2023", "CycleOpened", bytes);
  ASSERT_TRUE(std::holds_alternative<pb::Event>(cycle.event));
  EXPECT_EQ(std::get<pb::Event>(cycle.event).cluster(), "II");
  EXPECT_FALSE(cycle.undecodable());

  auto wrong_type = decode_event("cycles/BCA/x/2023", "NoSuchEvent", bytes);
  EXPECT_TRUE(wrong_type.undecodable());
  auto garbage = decode_event("registry", "UnitRegistered", "\xff\xff\xff");
  EXPECT_EQ(garbage.kind, stream_kind::registry);
  EXPECT_TRUE(garbage.undecodable());
  auto other = decode_event("tokens", "TokenIssued", bytes);
  EXPECT_EQ(other.kind, stream_kind::other);
  EXPECT_FALSE(other.undecodable()) << "a stream the domain does not know is not a broken one";

  EXPECT_EQ(cluster_of_cycle_payload(bytes), "II");
  EXPECT_EQ(cluster_of_cycle_payload(""), "");
  EXPECT_EQ(cluster_of_cycle_payload("\xff"), "");
}

TEST(ids, entity_ids_are_short_and_plain) {
  EXPECT_TRUE(valid_entity_id("CA-LaiChau"));
  EXPECT_TRUE(valid_entity_id("dia_phuong"));
  EXPECT_TRUE(valid_entity_id(std::string(40, 'a')));
  EXPECT_FALSE(valid_entity_id(std::string(41, 'a')));
  EXPECT_FALSE(valid_entity_id(""));
  EXPECT_FALSE(valid_entity_id("BCA/x")) << "a slash would cut a stream id";
  EXPECT_FALSE(valid_entity_id("a.b"));
  EXPECT_FALSE(valid_entity_id("Sơn La")) << "ids are ASCII; names carry the diacritics";
}

TEST(ids, subscription_and_command_ids_are_the_clients_own) {
  EXPECT_TRUE(valid_subscription_id("sub.1-a_b"));
  EXPECT_FALSE(valid_subscription_id(std::string(65, 'a')));
  EXPECT_FALSE(valid_subscription_id("has space"));
  EXPECT_FALSE(valid_subscription_id(""));
  EXPECT_TRUE(valid_command_id("sign/2024:pledge#1"));
  EXPECT_TRUE(valid_command_id(std::string(128, '~')));
  EXPECT_FALSE(valid_command_id(std::string(129, 'a')));
  EXPECT_FALSE(valid_command_id("a b"));
  EXPECT_FALSE(valid_command_id("tab\there"));
  EXPECT_FALSE(valid_command_id(""));
  EXPECT_FALSE(valid_command_id("\xc3\xa1")) << "non-ASCII bytes";
}

}  // namespace
}  // namespace thidua::domain
