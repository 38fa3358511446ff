#include "storage/record_view.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>

#include "storage/event_log.h"
#include "tests/storage/log_test_util.h"
#include "tests/support/test_support.h"

namespace thidua::storage {
namespace {

std::string random_text(std::mt19937& rng, std::size_t max) {
  std::string s(rng() % max, '\0');
  for (auto& c : s) c = static_cast<char>('a' + rng() % 26);
  return s;
}

bool same_fields(const record_view& a, const record_view& b) {
  return a.position == b.position && a.stream_id == b.stream_id && a.stream_version == b.stream_version &&
         a.event_type == b.event_type && a.recorded_at_ms == b.recorded_at_ms &&
         a.actor_unit_id == b.actor_unit_id && a.actor_person == b.actor_person &&
         a.actor_role == b.actor_role && a.command_id == b.command_id &&
         a.correlation_id == b.correlation_id && a.causation_id == b.causation_id && a.payload == b.payload &&
         a.prev_hash == b.prev_hash && a.command_digest == b.command_digest;
}

TEST(record_view, decodes_every_field_exactly_as_protobuf_does) {
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    pb::EventRecord r;
    r.set_position(rng() * 1000003ull);
    r.set_stream_id(random_text(rng, 40));
    r.set_stream_version(rng() % 100000);
    r.set_event_type(random_text(rng, 30));
    r.set_recorded_at_ms(static_cast<std::int64_t>(rng()) * 1000 - 5);
    if (rng() % 2) {
      r.mutable_actor()->set_unit_id(random_text(rng, 20));
      r.mutable_actor()->set_person("Đại tá " + random_text(rng, 20));
      r.mutable_actor()->set_role(random_text(rng, 10));
    }
    r.set_command_id(random_text(rng, 30));
    r.set_correlation_id(random_text(rng, 10));
    r.set_causation_id(random_text(rng, 10));
    r.set_payload(random_text(rng, 3000));
    r.set_prev_hash(std::string(32, static_cast<char>(rng())));
    const std::string bytes = r.SerializeAsString();
    auto v = decode_record(bytes);
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->position, r.position());
    EXPECT_EQ(v->stream_id, r.stream_id());
    EXPECT_EQ(v->stream_version, r.stream_version());
    EXPECT_EQ(v->event_type, r.event_type());
    EXPECT_EQ(v->recorded_at_ms, r.recorded_at_ms());
    EXPECT_EQ(v->actor_unit_id, r.actor().unit_id());
    EXPECT_EQ(v->actor_person, r.actor().person());
    EXPECT_EQ(v->actor_role, r.actor().role());
    EXPECT_EQ(v->command_id, r.command_id());
    EXPECT_EQ(v->correlation_id, r.correlation_id());
    EXPECT_EQ(v->causation_id, r.causation_id());
    EXPECT_EQ(v->payload, r.payload());
    EXPECT_EQ(v->prev_hash, r.prev_hash());
    // No truncation reads past its end (ASan watches) or passes for the whole record. A cut exactly between
    // fields still decodes — protobuf has no length of its own — but lacks a field: the chain hash over the
    // whole bytes refuses it (verify_test). Every cut point for the first records, one random cut after.
    const std::size_t cuts = i < 40 ? bytes.size() : 1;
    for (std::size_t k = 0; k < cuts; ++k) {
      const std::size_t cut = i < 40 ? k : rng() % bytes.size();
      auto truncated = decode_record(std::string_view(bytes).substr(0, cut));
      if (!truncated) continue;
      EXPECT_FALSE(same_fields(*truncated, *v))
          << "record " << i << " cut at " << cut << " of " << bytes.size();
      EXPECT_LE(truncated->payload.size(), r.payload().size());
    }
  }
}

TEST(record_view, skips_unknown_fields_and_refuses_garbage) {
  pb::EventRecord r;
  r.set_position(42);
  std::string bytes = r.SerializeAsString();
  bytes += std::string("\xa0\x06\x05", 3);    // field 100, varint 5: unknown to this build
  bytes += std::string("\xaa\x06\x02hi", 5);  // field 101, length-delimited
  auto v = decode_record(bytes);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->position, 42u);
  EXPECT_FALSE(decode_record(std::string("\x12\x50short", 7)).has_value()) << "length past the end";
  EXPECT_FALSE(decode_record(std::string("\x0b", 1)).has_value()) << "wire type 3 is not supported";
  EXPECT_FALSE(decode_record(std::string(11, '\xff')).has_value()) << "endless varint";
}

TEST(record_view, scan_views_sees_what_scan_sees) {
  testing::temp_dir dir;
  auto opened = event_log::open(log_options{.path = dir.sub("db")});
  ASSERT_TRUE(opened);
  auto log = std::move(opened).value();
  for (int i = 0; i < 50; ++i)
    ASSERT_TRUE(log->append(testing::make_append("s" + std::to_string(i % 3), "c" + std::to_string(i), 2)));
  std::vector<std::string> a, b;
  ASSERT_OK(log->scan({3}, {70}, [&](const pb::EventRecord& r, const hash256&) {
    a.push_back(std::to_string(r.position()) + r.stream_id() + r.payload() + r.actor().person());
    return true;
  }));
  ASSERT_OK(log->scan_views({3}, {70}, [&](const record_view& r, const hash256&) {
    b.push_back(std::to_string(r.position) + std::string(r.stream_id) + std::string(r.payload) +
                std::string(r.actor_person));
    return true;
  }));
  EXPECT_EQ(a.size(), 68u);
  EXPECT_EQ(a, b);
}

TEST(record_view, moved_into_a_copy_of_its_bytes_reads_the_same_after_the_original_is_gone) {
  std::mt19937 rng(11);
  for (int i = 0; i < 200; ++i) {
    pb::EventRecord r;
    r.set_position(i + 1);
    r.set_stream_id(random_text(rng, 40));
    r.set_event_type(random_text(rng, 30));
    if (rng() % 2) r.mutable_actor()->set_person("Thiếu tướng " + random_text(rng, 20));
    r.set_command_id(random_text(rng, 30));
    r.set_payload(random_text(rng, 3000));
    r.set_prev_hash(std::string(32, static_cast<char>(rng())));
    auto original = std::make_unique<std::string>(r.SerializeAsString());
    auto v = decode_record(*original);
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->bytes.size(), original->size()) << "the whole record";
    const std::string copy(v->bytes);
    const record_view moved = moved_into(*v, copy.data());
    const auto expected = decode_record(copy);
    std::fill(original->begin(), original->end(), '\xee');
    original.reset();  // ASan: nothing of `moved` may point here any more
    EXPECT_TRUE(same_fields(moved, *expected)) << "record " << i;
    EXPECT_EQ(moved.bytes.data(), copy.data());
  }
}

}  // namespace
}  // namespace thidua::storage
