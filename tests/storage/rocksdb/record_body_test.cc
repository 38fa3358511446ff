// The hand-written encoder of a record's body must give the bytes protobuf's own serializer gives, field for
// field, including the cases proto3 treats specially (empty fields, an empty actor, negative times).

#include "storage/rocksdb/record_body.h"

#include <gtest/gtest.h>

#include "storage/proto/log.pb.h"

namespace thidua::storage {
namespace {

std::string by_protobuf(const append_request& r, const proposed_event& ev) {
  pb::EventRecord body;
  body.set_stream_id(r.stream_id);
  body.set_event_type(ev.type);
  body.set_recorded_at_ms(r.recorded_at_ms);
  *body.mutable_actor() = r.actor;
  body.set_command_id(r.command_id);
  body.set_correlation_id(r.correlation_id);
  body.set_causation_id(r.causation_id);
  body.set_payload(ev.payload);
  body.set_command_digest(r.command_digest);
  return body.SerializeAsString();
}

append_request full_request() {
  append_request r;
  r.stream_id = "cycle:cum-2:2023";
  r.command_id = "cmd-0001";
  r.correlation_id = "corr-7";
  r.causation_id = "cause-9";
  r.recorded_at_ms = 1'700'000'000'123;
  r.actor.set_unit_id("ca-thanh-hoa");
  r.actor.set_person("Đại tá Nguyễn Văn A, Giám đốc");
  r.actor.set_role("chair");
  r.command_digest = std::string(32, '\x5a');
  return r;
}

TEST(record_body, equals_protobuf_for_a_full_record) {
  const auto r = full_request();
  const proposed_event ev{"Pledge.Signed", std::string(300, 'x') + "Vì an ninh Tổ quốc"};
  EXPECT_EQ(codec::encode_body(r, ev, true), by_protobuf(r, ev));
}

TEST(record_body, equals_protobuf_when_optional_fields_and_the_actor_are_empty) {
  append_request r;
  r.stream_id = "s";
  r.command_id = "c";
  const proposed_event ev{"T", ""};
  EXPECT_EQ(codec::encode_body(r, ev, true), by_protobuf(r, ev));
}

TEST(record_body, equals_protobuf_for_negative_times_and_long_lengths) {
  auto r = full_request();
  r.recorded_at_ms = -1;
  const proposed_event ev{"Big", std::string(70'000, '\x01')};  // a three-byte length
  EXPECT_EQ(codec::encode_body(r, ev, true), by_protobuf(r, ev));
}

TEST(record_body, only_the_first_event_of_an_append_carries_the_command_digest) {
  const auto r = full_request();
  const proposed_event ev{"Pledge.Signed", "payload"};
  pb::EventRecord later;
  ASSERT_TRUE(later.ParseFromString(codec::encode_body(r, ev, false)));
  EXPECT_TRUE(later.command_digest().empty());
  pb::EventRecord first;
  ASSERT_TRUE(first.ParseFromString(codec::encode_body(r, ev, true)));
  EXPECT_EQ(first.command_digest(), r.command_digest);
}

TEST(record_body, tail_fields_parse_back_with_the_body) {
  const auto r = full_request();
  const proposed_event ev{"Pledge.Signed", "payload"};
  hash256 prev{};
  prev.fill(0xab);
  char tail[64];
  const std::size_t n = codec::encode_tail_fields(tail, 300, 129, prev);
  pb::EventRecord parsed;
  ASSERT_TRUE(parsed.ParseFromString(std::string(tail, n) + codec::encode_body(r, ev, true)));
  EXPECT_EQ(parsed.position(), 300u);
  EXPECT_EQ(parsed.stream_version(), 129u);
  EXPECT_EQ(parsed.prev_hash(), std::string(32, '\xab'));
  EXPECT_EQ(parsed.stream_id(), r.stream_id);
  EXPECT_EQ(parsed.actor().person(), r.actor.person());
  EXPECT_EQ(parsed.payload(), "payload");
}

TEST(record_body, an_outcome_equals_protobuf_including_zero_and_negative_fields) {
  struct example {
    std::string stream;
    std::uint64_t first, last, version;
    std::int64_t at;
    std::string digest;
  };
  for (const auto& e : {example{"cycle:cum-2:2023", 1, 3, 3, 1'700'000'000'123, std::string(32, '\x01')},
                        example{"s", 300, 300, 129, 0, ""}, example{"", 0, 0, 0, 0, ""},
                        example{std::string(200, 'x'), UINT64_MAX, UINT64_MAX, 1, -1, "d"}}) {
    pb::AppendOutcome o;
    o.set_stream_id(e.stream);
    o.set_first_position(e.first);
    o.set_last_position(e.last);
    o.set_stream_version(e.version);
    o.set_recorded_at_ms(e.at);
    o.set_command_digest(e.digest);
    std::string ours = "left over from a previous outcome";
    codec::encode_outcome(ours, e.stream, e.first, e.last, e.version, e.at, e.digest);
    EXPECT_EQ(ours, o.SerializeAsString()) << e.stream.substr(0, 20) << " " << e.first;
  }
}

}  // namespace
}  // namespace thidua::storage
