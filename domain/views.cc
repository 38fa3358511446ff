#include "domain/views.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>

#include "domain/cycle_decider.h"

namespace thidua::domain {
namespace {

// "2" → "0002"; anything that is not all digits stays as it is (and sorts after the numbers).
std::string padded(std::string_view number) {
  const bool digits = !number.empty() && number.size() <= 4 &&
                      std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) return std::string(number);
  return std::string(4 - number.size(), '0') + std::string(number);
}

template <class View>
View load(view_store& store, const std::string& key) {
  View v;
  if (auto bytes = store.get(key)) v.ParseFromString(*bytes);
  return v;
}

// The name in force now: the one with the latest effective date; among equal dates the last recorded.
std::string current_name(const pb::UnitView& v) {
  const pb::UnitName* best = nullptr;
  for (const auto& n : v.names())
    if (!best || n.effective_date() >= best->effective_date()) best = &n;
  return best ? best->name() : std::string();
}

}  // namespace

std::string unit_view_key(std::string_view unit_id) {
  return std::string(unit_view_prefix) + std::string(unit_id);
}

std::string cluster_view_key(std::string_view organizer, std::string_view series, std::string_view number) {
  return std::string(cluster_view_prefix) + std::string(organizer) + "/" + std::string(series) + "/" +
         padded(normalize_cluster_number(number).empty() ? number : normalize_cluster_number(number));
}

std::string cycle_view_key(std::string_view organizer, std::string_view series, std::uint32_t year,
                           std::string_view number) {
  return std::string(cycle_view_prefix) + std::string(organizer) + "/" + std::string(series) + "/" +
         padded(std::to_string(year)) + "/" +
         padded(normalize_cluster_number(number).empty() ? number : normalize_cluster_number(number));
}

std::string serialize_view(const google::protobuf::Message& view) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream raw(&out);
    google::protobuf::io::CodedOutputStream coded(&raw);
    coded.SetSerializationDeterministic(true);
    view.SerializeToCodedStream(&coded);
  }
  return out;
}

pb::Stage stage_of(const cycle_state& s) {
  if (s.dissolved) return pb::DISSOLVED;
  if (!s.opened) return pb::STAGE_UNSPECIFIED;
  if (s.closed) return pb::CLOSED;
  if (!s.decided.empty()) return pb::DECIDED;
  if (s.dossier_submitted) return pb::DOSSIER_SUBMITTED;
  if (s.nominations_adopted) return pb::NOMINATIONS_ADOPTED;
  if (s.summary_done) return pb::YEAR_END_SUMMARIZED;
  if (s.appraisal_done) return pb::APPRAISED;
  if (s.mid_year_done) return pb::MID_YEAR_REVIEWED;
  if (s.pledge_active) return pb::PLEDGE_IN_FORCE;
  if (s.launched) return pb::LAUNCHED;
  return pb::OPENED;
}

pb::CycleView to_view(const cycle_state& s) {
  pb::CycleView v;
  if (s.opened || s.dissolved) *v.mutable_key() = s.key;
  v.set_cluster_name(s.cluster_name);
  v.set_stage(stage_of(s));
  for (const auto& m : s.members) v.add_member_unit_ids(m);
  v.set_chair_unit_id(s.chair);
  v.set_vice_chair_unit_id(s.vice_chair);
  if (s.opened) *v.mutable_settings() = s.settings;
  v.set_launched(s.launched);
  v.set_contents_adopted(s.contents_adopted);
  v.set_pledge_active(s.pledge_active);
  v.set_mid_year_done(s.mid_year_done);
  v.set_appraisal_done(s.appraisal_done);
  v.set_pledge_through_year(s.pledge_through_year);
  v.set_pledge_continued_from_year(s.pledge_continued_from);
  v.set_summary_done(s.summary_done);
  v.set_nominations_adopted(s.nominations_adopted);
  v.set_dossier_submitted(s.dossier_submitted);
  v.set_closed(s.closed);
  v.set_dissolved(s.dissolved);
  v.set_dissolved_reason(s.dissolved_reason);
  for (const auto& u : s.former_members) v.add_former_member_unit_ids(u);
  for (const auto& u : s.signed_units) v.add_signed_unit_ids(u);
  for (const auto& [u, p] : s.self_totals) {
    auto* x = v.add_self_assessed();
    x->set_unit_id(u);
    x->set_points(p);
  }
  for (const auto& [u, p] : s.verified_totals) {
    auto* x = v.add_verified();
    x->set_unit_id(u);
    x->set_points(p);
  }
  for (const auto& r : s.ranking) *v.add_ranking() = r;
  for (const auto& [u, a] : s.nominated) {
    auto* x = v.add_nominated();
    x->set_unit_id(u);
    x->set_award(a);
  }
  for (const auto& [u, a] : s.adopted) {
    auto* x = v.add_adopted();
    x->set_unit_id(u);
    x->set_award(a);
  }
  for (const auto& [u, g] : s.decided) {
    auto* x = v.add_decisions();
    x->set_unit_id(u);
    x->set_granted(g);
  }
  for (const auto& u : s.revoked) v.add_revoked_unit_ids(u);
  v.set_contributions_vnd(s.contributions_vnd);
  v.set_handed_over(s.handed_over);
  v.set_next_chair_unit_id(s.next_chair);
  v.set_next_vice_chair_unit_id(s.next_vice_chair);
  v.set_version(s.version);
  v.set_recorded_on(s.recorded_on);
  for (const auto& n : s.notices_given) v.add_notices_given(n);
  return v;
}

cycle_state from_view(const pb::CycleView& v) {
  cycle_state s;
  s.opened = v.has_key() && !v.dissolved();
  s.dissolved = v.dissolved();
  s.dissolved_reason = v.dissolved_reason();
  s.former_members.insert(v.former_member_unit_ids().begin(), v.former_member_unit_ids().end());
  s.key = v.key();
  s.cluster_name = v.cluster_name();
  s.members.assign(v.member_unit_ids().begin(), v.member_unit_ids().end());
  s.chair = v.chair_unit_id();
  s.vice_chair = v.vice_chair_unit_id();
  s.settings = v.settings();
  s.launched = v.launched();
  s.contents_adopted = v.contents_adopted();
  s.pledge_active = v.pledge_active();
  s.mid_year_done = v.mid_year_done();
  s.appraisal_done = v.appraisal_done();
  s.pledge_through_year = v.pledge_through_year();
  s.pledge_continued_from = v.pledge_continued_from_year();
  s.summary_done = v.summary_done();
  s.nominations_adopted = v.nominations_adopted();
  s.dossier_submitted = v.dossier_submitted();
  s.closed = v.closed();
  s.signed_units.insert(v.signed_unit_ids().begin(), v.signed_unit_ids().end());
  for (const auto& x : v.self_assessed()) s.self_totals[x.unit_id()] = x.points();
  for (const auto& x : v.verified()) s.verified_totals[x.unit_id()] = x.points();
  s.ranking.assign(v.ranking().begin(), v.ranking().end());
  for (const auto& x : v.nominated()) s.nominated[x.unit_id()] = x.award();
  for (const auto& x : v.adopted()) s.adopted[x.unit_id()] = x.award();
  for (const auto& x : v.decisions()) s.decided[x.unit_id()] = x.granted();
  s.revoked.insert(v.revoked_unit_ids().begin(), v.revoked_unit_ids().end());
  s.contributions_vnd = v.contributions_vnd();
  s.handed_over = v.handed_over();
  s.next_chair = v.next_chair_unit_id();
  s.next_vice_chair = v.next_vice_chair_unit_id();
  s.version = v.version();
  s.recorded_on = v.recorded_on();
  s.notices_given.insert(v.notices_given().begin(), v.notices_given().end());
  return s;
}

cycle_view_folder::folded& cycle_view_folder::load(const std::string& key) {
  auto [it, added] = views_.try_emplace(key);
  if (added) {
    const auto v = domain::load<pb::CycleView>(store_, key);
    it->second.state = from_view(v);
    it->second.stream_id = v.stream_id();
    it->second.last_position = v.last_position();
    it->second.updated_at_ms = v.updated_at_ms();
    it->second.events = v.events();
    it->second.stream_version = v.stream_version();
  }
  return it->second;
}

cycle_view_folder::written cycle_view_folder::apply(const pb::Event& event, const event_meta& meta) {
  // The stream names the series and year ("cycles/<organizer>/<series>/<year>"); the event names the cluster.
  // Before the cycle is opened there is no key: events of an unopened cluster cannot have been accepted.
  std::unordered_map<std::string, folded>::pointer view = nullptr;
  if (!event.has_cycle_opened() && last_ && meta.stream_id == last_stream_ &&
      event.cluster() == last_cluster_) {
    view = last_;
  } else {
    const std::string index = "cycle-of/" + std::string(meta.stream_id) + "/" + event.cluster();
    std::string key;
    if (event.has_cycle_opened()) {
      const auto& k = event.cycle_opened().cycle();
      key = cycle_view_key(k.organizer_id(), k.series(), k.year(), event.cluster());
      auto& known = cycle_of_[index];
      if (known != key) {
        known = key;
        store_.put(index, key);
      }
    } else {
      // Found through the stream's index entry written when the cycle opened.
      auto [it, added] = cycle_of_.try_emplace(index);
      if (added) it->second = store_.get(index);
      if (!it->second) return {};
      key = *it->second;
    }
    load(key);
    view = &*views_.find(key);
    last_ = view;
    last_stream_ = meta.stream_id;
    last_cluster_ = event.cluster();
  }
  folded& f = view->second;
  cycle_decider::apply_to_cycle(f.state, event);
  if (f.stream_id != meta.stream_id) f.stream_id = meta.stream_id;
  f.last_position = meta.position;
  f.updated_at_ms = meta.recorded_at_ms;
  f.events += 1;
  f.stream_version = meta.stream_version;
  f.changed = true;
  return {view->first, f.events};
}

std::string cycle_view_folder::serialized(std::string_view key) const {
  const auto it = views_.find(std::string(key));
  if (it == views_.end()) return {};
  const folded& f = it->second;
  pb::CycleView v = to_view(f.state);
  v.set_stream_id(f.stream_id);
  v.set_last_position(f.last_position);
  v.set_updated_at_ms(f.updated_at_ms);
  v.set_events(f.events);
  v.set_stream_version(f.stream_version);
  return serialize_view(v);
}

void cycle_view_folder::flush() {
  for (auto& [key, f] : views_) {
    if (!f.changed) continue;
    store_.put(key, serialized(key));
    f.changed = false;
  }
}

cycle_view_written apply_to_views(const pb::Event& event, const event_meta& meta, view_store& store) {
  cycle_view_folder folder(store);
  const auto written = folder.apply(event, meta);
  folder.flush();
  return {std::string(written.key), written.events};
}

namespace {

template <class Change>
void update_unit_view(view_store& store, const std::string& unit, Change change) {
  const auto key = unit_view_key(unit);
  auto v = load<pb::UnitView>(store, key);
  change(v);
  store.put(key, serialize_view(v));
}

}  // namespace

void apply_to_views(const pb::RegistryEvent& event, const event_meta&, view_store& store) {
  switch (event.body_case()) {
    case pb::RegistryEvent::kUnitRegistered: {
      const auto& r = event.unit_registered();
      pb::UnitView v;
      v.set_unit_id(r.unit_id());
      v.set_kind(r.kind());
      v.set_parent_unit_id(r.parent_unit_id());
      auto* n = v.add_names();
      n->set_name(r.name());
      v.set_name(current_name(v));
      store.put(unit_view_key(r.unit_id()), serialize_view(v));
      break;
    }
    case pb::RegistryEvent::kUnitRenamed: {
      const auto& r = event.unit_renamed();
      update_unit_view(store, r.unit_id(), [&](pb::UnitView& v) {
        auto* n = v.add_names();
        n->set_effective_date(r.effective_date());
        n->set_name(r.name());
        v.set_name(current_name(v));
      });
      break;
    }
    case pb::RegistryEvent::kUnitMerged: {
      const auto& r = event.unit_merged();
      update_unit_view(store, r.unit_id(), [&](pb::UnitView& v) {
        v.set_merged_into(r.into_unit_id());
        v.set_merged_on(r.effective_date());
      });
      break;
    }
    case pb::RegistryEvent::kUnitDissolved: {
      const auto& r = event.unit_dissolved();
      update_unit_view(store, r.unit_id(), [&](pb::UnitView& v) {
        v.set_dissolved_on(r.effective_date());
        v.set_dissolved_reason(r.reason());
      });
      break;
    }
    case pb::RegistryEvent::kClusterDefined: {
      const auto& d = event.cluster_defined();
      pb::ClusterView v;
      v.set_organizer_id(d.organizer_id());
      v.set_series(d.series());
      v.set_number(d.number());
      v.set_name(d.name());
      store.put(cluster_view_key(d.organizer_id(), d.series(), d.number()), serialize_view(v));
      break;
    }
    case pb::RegistryEvent::BODY_NOT_SET:
      break;
  }
}

}  // namespace thidua::domain
