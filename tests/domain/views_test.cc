// The read models fold the same state as the decider, stage by stage; who may read what refuses the wrong
// readers.

#include <gtest/gtest.h>

#include <map>

#include "domain/read_access.h"
#include "domain/views.h"
#include "tests/domain/cluster_ii_script.h"
#include "tests/domain/map_store.h"

namespace thidua::testing {
namespace {

pb::CycleView view_at(map_store& store, const std::string& key) {
  pb::CycleView v;
  auto bytes = store.get(key);
  EXPECT_TRUE(bytes.has_value()) << key;
  if (bytes) v.ParseFromString(*bytes);
  return v;
}

// The part of a view that mirrors the decider's state (without where it sits in the log).
std::string state_part(pb::CycleView v) {
  v.clear_stream_id();
  v.clear_last_position();
  v.clear_updated_at_ms();
  v.clear_events();
  return domain::serialize_view(v);
}

TEST(views, the_cycle_view_follows_the_deciders_state_through_the_whole_cycle_of_cluster_ii) {
  cycle_harness h(cluster_ii_key());
  map_store store;
  const std::string stream = "cycles/BCA/dia-phuong/2023";
  const std::string key = domain::cycle_view_key("BCA", "dia-phuong", 2023, "II");
  std::uint64_t position = 0;
  std::vector<pb::Stage> stages;
  for (auto& [actor, command] : cluster_ii_script()) {
    for (const auto& e : h.ok(actor, command))
      domain::apply_to_views(e, {stream, ++position, 1000 + static_cast<std::int64_t>(position)}, store);
    // Compared after each command: one command may record several events (the last signature activates).
    const pb::CycleView v = view_at(store, key);
    ASSERT_EQ(state_part(v), state_part(domain::to_view(h.state()))) << "after position " << position;
    EXPECT_EQ(v.last_position(), position);
    EXPECT_EQ(v.events(), position);
    EXPECT_EQ(v.stream_id(), stream);
    if (stages.empty() || stages.back() != v.stage()) stages.push_back(v.stage());
  }
  EXPECT_EQ(stages, (std::vector<pb::Stage>{pb::OPENED, pb::LAUNCHED, pb::PLEDGE_IN_FORCE,
                                            pb::MID_YEAR_REVIEWED, pb::YEAR_END_SUMMARIZED,
                                            pb::NOMINATIONS_ADOPTED, pb::DECIDED, pb::CLOSED}));
  const pb::CycleView v = view_at(store, key);
  EXPECT_EQ(v.key().number(), "2");
  EXPECT_EQ(v.cluster_name(), "Cụm thi đua số II - Bộ Công an");
  EXPECT_EQ(v.next_chair_unit_id(), "CA-LangSon");
  EXPECT_EQ(v.decisions_size(), 7);
  EXPECT_EQ(v.ranking(0).unit_id(), "CA-LaiChau");
}

TEST(views, a_folder_that_keeps_views_decoded_writes_the_same_bytes_as_folding_event_by_event) {
  // Two cycles of one stream, their events interleaved, flushed every few events: what a projection's steps
  // do.
  cycle_harness ii(cluster_ii_key());
  cycle_harness seven(cmd::key("BCA", "dia-phuong", "7", 2023));
  std::vector<pb::Event> events;
  for (const auto& e : seven.ok(organizer(), cmd::open("Cụm 7", {"U-A", "U-B"}, "U-A", "")))
    events.push_back(e);
  for (auto& [actor, command] : cluster_ii_script())
    for (const auto& e : ii.ok(actor, command)) events.push_back(e);
  pb::Command dissolve;
  dissolve.mutable_dissolve()->set_reason("mở nhầm");
  for (const auto& e : seven.ok(organizer(), dissolve)) events.insert(events.begin() + 5, e);
  const std::string stream = "cycles/BCA/dia-phuong/2023";
  map_store one_by_one, folded;
  domain::cycle_view_folder folder(folded);
  std::uint64_t position = 0;
  for (const auto& e : events) {
    const domain::event_meta meta{stream, ++position, 5000 + static_cast<std::int64_t>(position), position};
    const auto expected = domain::apply_to_views(e, meta, one_by_one);
    const auto written = folder.apply(e, meta);
    EXPECT_EQ(written.key, expected.key) << position;
    EXPECT_EQ(written.events, expected.events) << position;
    EXPECT_EQ(folder.serialized(written.key), one_by_one.kv[std::string(written.key)])
        << "at position " << position;
    if (position % 7 == 0) folder.flush();
  }
  folder.flush();
  EXPECT_EQ(folded.kv, one_by_one.kv);
  EXPECT_EQ(folded.kv.size(), 4u) << "two views and their index entries";
}

TEST(views, state_and_view_convert_both_ways_without_loss) {
  cycle_harness h(cluster_ii_key());
  for (auto& [actor, command] : cluster_ii_script()) {
    h.ok(actor, command);
    const pb::CycleView v = domain::to_view(h.state());
    EXPECT_EQ(domain::serialize_view(domain::to_view(domain::from_view(v))), domain::serialize_view(v));
  }
  EXPECT_EQ(domain::stage_of(domain::cycle_state{}), pb::STAGE_UNSPECIFIED)
      << "an unopened cycle has no stage";
}

TEST(views, a_dissolved_cycle_shows_as_dissolved_and_opened_again_keeps_its_former_members) {
  cycle_harness h(cmd::key("BCA", "dia-phuong", "7", 2025));
  map_store store;
  const std::string key = domain::cycle_view_key("BCA", "dia-phuong", 2025, "7");
  std::uint64_t position = 0;
  auto run = [&](const pb::Actor& a, pb::Command c) {
    for (const auto& e : h.ok(a, std::move(c)))
      domain::apply_to_views(e, {"cycles/BCA/dia-phuong/2025", ++position, 0}, store);
    EXPECT_EQ(state_part(view_at(store, key)), state_part(domain::to_view(h.state()))) << position;
  };
  run(organizer(), cmd::open("Cụm 7", {"U-A", "U-B"}, "U-A", ""));
  pb::Command dissolve;
  dissolve.mutable_dissolve()->set_reason("mở nhầm");
  run(organizer(), dissolve);
  pb::CycleView v = view_at(store, key);
  EXPECT_EQ(v.stage(), pb::DISSOLVED);
  EXPECT_TRUE(v.dissolved());
  EXPECT_EQ(v.dissolved_reason(), "mở nhầm");
  EXPECT_EQ(v.key().number(), "7") << "still listed, under its key";
  EXPECT_FALSE(domain::from_view(v).opened);
  run(organizer(), cmd::open("Cụm 7", {"U-C", "U-D"}, "U-C", ""));
  v = view_at(store, key);
  EXPECT_EQ(v.stage(), pb::OPENED);
  EXPECT_FALSE(v.dissolved());
  EXPECT_EQ(std::vector<std::string>(v.former_member_unit_ids().begin(), v.former_member_unit_ids().end()),
            (std::vector<std::string>{"U-A", "U-B"}));
  EXPECT_EQ(v.events(), 3u);
}

TEST(views, an_event_of_a_cluster_never_opened_changes_no_view) {
  map_store store;
  pb::Event e;
  e.set_cluster("9");
  e.mutable_launch_conference_held();
  domain::apply_to_views(e, {"cycles/BCA/dia-phuong/2023", 1, 0}, store);
  EXPECT_TRUE(store.kv.empty());
}

TEST(views, units_keep_their_names_over_time_and_clusters_list_in_number_order) {
  map_store store;
  auto registry = [&](auto fill) {
    pb::RegistryEvent e;
    fill(e);
    domain::apply_to_views(e, {"registry", 1, 0}, store);
  };
  registry([](pb::RegistryEvent& e) {
    auto* r = e.mutable_unit_registered();
    r->set_unit_id("CA-HaNam");
    r->set_name("Công an tỉnh Hà Nam");
    r->set_kind(pb::PROVINCIAL_POLICE);
  });
  registry([](pb::RegistryEvent& e) {
    auto* r = e.mutable_unit_renamed();
    r->set_unit_id("CA-HaNam");
    r->set_name("Công an tỉnh Hà Nam (mới)");
    r->set_effective_date("2025-07-01");
  });
  registry([](pb::RegistryEvent& e) {
    auto* m = e.mutable_unit_merged();
    m->set_unit_id("CA-HaNam");
    m->set_into_unit_id("CA-NinhBinh");
    m->set_effective_date("2025-07-01");
  });
  registry([](pb::RegistryEvent& e) {
    auto* r = e.mutable_unit_registered();
    r->set_unit_id("BCA-C99");
    r->set_name("Cục thí điểm");
  });
  registry([](pb::RegistryEvent& e) {
    auto* d = e.mutable_unit_dissolved();
    d->set_unit_id("BCA-C99");
    d->set_effective_date("2024-12-31");
    d->set_reason("Quyết định số 1/QĐ-BCA");
  });
  for (const char* n : {"10", "2", "IX"}) {
    registry([n](pb::RegistryEvent& e) {
      auto* d = e.mutable_cluster_defined();
      d->set_organizer_id("BCA");
      d->set_series("dia-phuong");
      d->set_number(n);
      d->set_name(std::string("Cụm ") + n);
    });
  }
  pb::UnitView u;
  ASSERT_TRUE(u.ParseFromString(store.kv.at(domain::unit_view_key("CA-HaNam"))));
  EXPECT_EQ(u.name(), "Công an tỉnh Hà Nam (mới)");
  ASSERT_EQ(u.names_size(), 2);
  EXPECT_EQ(u.names(0).name(), "Công an tỉnh Hà Nam");
  EXPECT_EQ(u.merged_into(), "CA-NinhBinh");
  pb::UnitView dissolved;
  ASSERT_TRUE(dissolved.ParseFromString(store.kv.at(domain::unit_view_key("BCA-C99"))));
  EXPECT_EQ(dissolved.dissolved_on(), "2024-12-31");
  EXPECT_EQ(dissolved.dissolved_reason(), "Quyết định số 1/QĐ-BCA");
  EXPECT_EQ(dissolved.name(), "Cục thí điểm");
  std::vector<std::string> order;
  for (const auto& [k, v] : store.kv)
    if (k.starts_with(domain::cluster_view_prefix)) order.push_back(k);
  EXPECT_EQ(order, (std::vector<std::string>{"cluster/BCA/dia-phuong/0002", "cluster/BCA/dia-phuong/0009",
                                             "cluster/BCA/dia-phuong/0010"}))
      << "Roman IX is cluster 9, and 10 sorts after 9";
}

TEST(read_access, each_reader_reads_its_own_and_nothing_else) {
  const std::vector<std::string> members = cluster_ii_members();
  const std::string stream = "cycles/BCA/dia-phuong/2023";
  domain::reader office{pb::ORGANIZER_OFFICE, "BCA-X03", "BCA", {}};
  EXPECT_TRUE(domain::may_read(office, stream, members));
  EXPECT_TRUE(domain::may_read(office, "registry", {}));
  domain::reader other_office{pb::ORGANIZER_OFFICE, "HD-X03", "CA-tinh-Hai-Duong", {}};
  EXPECT_FALSE(domain::may_read(other_office, stream, members)) << "another organizer's cycles";
  domain::reader office_without_organizer{pb::ORGANIZER_OFFICE, "BCA-X03", "", {}};
  EXPECT_FALSE(domain::may_read(office_without_organizer, stream, members));

  domain::reader lai_chau{pb::MEMBER, "CA-LaiChau", "", {}};
  EXPECT_TRUE(domain::may_read(lai_chau, stream, members));
  domain::reader quang_ninh{pb::CHAIR, "CA-QuangNinh", "", {}};
  EXPECT_FALSE(domain::may_read(quang_ninh, stream, members)) << "a chair of another cluster";
  EXPECT_FALSE(domain::may_read(lai_chau, stream, {})) << "a cluster whose members are unknown";

  domain::reader press{pb::OBSERVER, "", "", {"cycles/BCA/dia-phuong/2023"}};
  EXPECT_TRUE(domain::may_read(press, stream, {}));
  EXPECT_FALSE(domain::may_read(press, "cycles/BCA/dia-phuong/2024", {}));
  domain::reader empty_prefix{pb::OBSERVER, "", "", {""}};
  EXPECT_FALSE(domain::may_read(empty_prefix, stream, {})) << "an empty prefix grants nothing";

  domain::reader nobody{pb::ROLE_UNSPECIFIED, "CA-LaiChau", "BCA", {"cycles/"}};
  EXPECT_FALSE(domain::may_read(nobody, stream, members));
  EXPECT_FALSE(domain::may_read(nobody, "registry", {}));
  for (const auto& r : {office, lai_chau, press, domain::reader{pb::OBSERVER, "", "", {"tokens", "t"}}})
    EXPECT_FALSE(domain::may_read(r, "tokens", {})) << "streams the domain does not know nobody reads";

  // An inbox's read marks: its own unit's people, or its own office.
  EXPECT_TRUE(domain::may_read(lai_chau, "inbox/CA-LaiChau", {}));
  EXPECT_FALSE(domain::may_read(lai_chau, "inbox/CA-SonLa", {})) << "another unit's inbox";
  EXPECT_TRUE(domain::may_read(office, "inbox/office:BCA", {}));
  EXPECT_FALSE(domain::may_read(office, "inbox/CA-LaiChau", {})) << "the office does not read a unit's marks";
  EXPECT_FALSE(domain::may_read(other_office, "inbox/office:BCA", {}));
  EXPECT_FALSE(
      domain::may_read(domain::reader{pb::OBSERVER, "CA-LaiChau", "", {"inbox/"}}, "inbox/CA-LaiChau", {}))
      << "an observer reads no inbox";
  EXPECT_EQ(domain::inbox_of_stream(domain::inbox_stream("office:BCA")), "office:BCA");
  EXPECT_EQ(domain::inbox_of_stream("inboxes/x"), "");
}

}  // namespace
}  // namespace thidua::testing
