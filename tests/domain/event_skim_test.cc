// A skimmed parse gives the event with its narrative fields empty and nothing else changed — for every event
// type filled at random — and a fold of skimmed events gives the state a fold of whole events gives.

#include "domain/event_skim.h"

#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "domain/proto/options.pb.h"
#include "domain/views.h"
#include "tests/domain/cluster_ii_script.h"
#include "tests/domain/commands.h"
#include "tests/domain/cycle_harness.h"
#include "tests/domain/map_store.h"
#include "tests/support/random_message.h"

namespace thidua::testing {
namespace {

namespace gp = google::protobuf;

// What a skimmed parse must give: `m` with every field marked narrative cleared, at any depth.
void clear_narrative(gp::Message& m) {
  const auto* d = m.GetDescriptor();
  const auto* r = m.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    if (f->options().GetExtension(domain::pb::narrative)) {
      r->ClearField(&m, f);
    } else if (f->message_type()) {
      if (f->is_repeated()) {
        for (int k = 0; k < r->FieldSize(m, f); ++k) clear_narrative(*r->MutableRepeatedMessage(&m, f, k));
      } else if (r->HasField(m, f)) {
        clear_narrative(*r->MutableMessage(&m, f));
      }
    }
  }
}

int narrative_fields_below(const gp::Descriptor* d, std::vector<const gp::Descriptor*>& seen) {
  if (std::find(seen.begin(), seen.end(), d) != seen.end()) return 0;
  seen.push_back(d);
  int n = 0;
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    if (f->options().GetExtension(domain::pb::narrative)) ++n;
    if (f->message_type()) n += narrative_fields_below(f->message_type(), seen);
  }
  return n;
}

TEST(event_skim, the_events_prose_is_marked_narrative) {
  std::vector<const gp::Descriptor*> seen;
  EXPECT_GE(narrative_fields_below(pb::Event::descriptor(), seen), 15)
      << "names, places, conclusions, reasons, targets' text: what people read and no fold needs";
}

TEST(event_skim, gives_every_event_filled_at_random_with_its_narrative_fields_empty_and_the_rest_intact) {
  random_filler fill(20261205);
  int with_narrative = 0;
  for (int round = 0; round < 3000; ++round) {
    pb::Event whole;
    fill.fill(whole, 0);
    const std::string bytes = whole.SerializeAsString();
    pb::Event skimmed;
    ASSERT_TRUE(domain::parse_skimmed(bytes, skimmed)) << whole.DebugString();
    pb::Event expected = whole;
    clear_narrative(expected);
    ASSERT_EQ(skimmed.SerializeAsString(), expected.SerializeAsString()) << "round " << round << ":\n"
                                                                         << whole.DebugString();
    if (expected.SerializeAsString() != bytes) ++with_narrative;
  }
  EXPECT_GT(with_narrative, 300) << "many rounds had prose to skip";
}

TEST(event_skim, keeps_fields_it_does_not_know) {
  pb::Event e;
  e.mutable_launch_conference_held()->mutable_details()->set_place("Hội trường Công an tỉnh Lai Châu");
  std::string bytes = e.SerializeAsString();
  bytes += std::string("\xa8\x9d\x03\x07", 4);  // field 6613, varint 7: a newer peer's field
  pb::Event skimmed;
  ASSERT_TRUE(domain::parse_skimmed(bytes, skimmed));
  EXPECT_TRUE(skimmed.launch_conference_held().details().place().empty());
  EXPECT_EQ(skimmed.GetReflection()->GetUnknownFields(skimmed).field_count(), 1);
}

TEST(event_skim, refuses_bytes_that_are_not_an_event) {
  pb::Event e;
  e.mutable_launch_conference_held()->mutable_details()->set_place("Điện Biên");
  const std::string bytes = e.SerializeAsString();
  pb::Event out;
  EXPECT_FALSE(domain::parse_skimmed(bytes.substr(0, bytes.size() - 1), out)) << "cut short";
  EXPECT_FALSE(domain::parse_skimmed(std::string("\x08\xff\xff", 3), out)) << "a varint never ends";
  EXPECT_FALSE(domain::parse_skimmed(std::string("\x0b\x0c", 2), out)) << "a group";
  EXPECT_FALSE(domain::parse_skimmed(std::string("\x12\x7f\x01", 3), out)) << "a length past the end";
}

// Folds the events one by one, whole or skimmed, into the cycle views they make.
std::map<std::string, std::string> views_of(const std::vector<pb::Event>& events, bool skimmed) {
  map_store store;
  const std::string stream = "cycles/BCA/dia-phuong/2023";
  std::uint64_t position = 0;
  for (const auto& whole : events) {
    pb::Event e;
    if (skimmed) {
      EXPECT_TRUE(domain::parse_skimmed(whole.SerializeAsString(), e));
    } else {
      e = whole;
    }
    ++position;
    domain::apply_to_views(e, {stream, position, 1000 + static_cast<std::int64_t>(position), position},
                           store);
  }
  return store.kv;
}

TEST(event_skim,
     a_fold_of_skimmed_events_equals_the_fold_of_whole_ones_through_cluster_ii_and_its_corrections) {
  cycle_harness h(cluster_ii_key());
  for (auto& [actor, command] : cluster_ii_script()) h.ok(actor, command);
  pb::Command revoke;
  revoke.mutable_revoke_award()->set_unit_id("CA-LangSon");
  revoke.mutable_revoke_award()->set_award(pb::CERTIFICATE_OF_MERIT);
  revoke.mutable_revoke_award()->set_reason("hồ sơ không trung thực");
  h.run(organizer(), revoke);
  const auto whole = views_of(h.history(), false);
  ASSERT_GE(h.history().size(), 30u);
  EXPECT_EQ(views_of(h.history(), true), whole);
}

}  // namespace
}  // namespace thidua::testing
