#pragma once
// Builders for cycle commands, so tests read like the minutes they replay.

#include <initializer_list>
#include <string>
#include <vector>

#include "domain/proto/cycle.pb.h"

namespace thidua::testing::cmd {

namespace pb = domain::pb;

inline pb::CycleKey key(const std::string& org, const std::string& series, const std::string& number,
                        unsigned year) {
  pb::CycleKey k;
  k.set_organizer_id(org);
  k.set_series(series);
  k.set_number(number);
  k.set_year(year);
  return k;
}

inline pb::Settings settings_with_criteria(std::initializer_list<std::pair<const char*, unsigned>> criteria) {
  pb::Settings s;
  for (auto& [id, max] : criteria) {
    auto* c = s.add_criteria();
    c->set_id(id);
    c->set_name(id);
    c->set_max_points(max);
  }
  return s;
}

inline pb::Command open(const std::string& name, const std::vector<std::string>& members,
                        const std::string& chair, const std::string& vice,
                        pb::Settings settings = settings_with_criteria({{"ket_qua", 100}})) {
  pb::Command c;
  auto* o = c.mutable_open();
  o->set_cluster_name(name);
  o->set_movement("Vì an ninh Tổ quốc");
  for (auto& m : members) o->add_member_unit_ids(m);
  o->set_chair_unit_id(chair);
  o->set_vice_chair_unit_id(vice);
  *o->mutable_settings() = std::move(settings);
  return c;
}

inline pb::Command launch(const std::string& date = "2023-03-20", const std::string& place = "Lai Châu") {
  pb::Command c;
  c.mutable_launch_conference()->set_date(date);
  c.mutable_launch_conference()->set_place(place);
  c.mutable_launch_conference()->add_adopted_documents("kế hoạch triển khai phong trào thi đua");
  c.mutable_launch_conference()->add_adopted_documents("quy chế hoạt động của Cụm");
  return c;
}

inline pb::Command contents(std::initializer_list<const char*> texts = {"giữ vững an ninh chính trị"}) {
  pb::Command c;
  for (auto* t : texts) c.mutable_adopt_pledge_contents()->add_contents()->set_text(t);
  return c;
}

inline pb::Command sign(const std::string& unit, const std::string& signatory = "Đại tá Nguyễn Văn A") {
  pb::Command c;
  c.mutable_sign_pledge()->set_unit_id(unit);
  c.mutable_sign_pledge()->mutable_signatory()->set_name(signatory);
  c.mutable_sign_pledge()->mutable_signatory()->set_rank("Đại tá");
  c.mutable_sign_pledge()->mutable_signatory()->set_position("Giám đốc");
  return c;
}

inline pb::Command mid_year(const std::string& date = "2023-07-07") {
  pb::Command c;
  c.mutable_mid_year_review()->set_date(date);
  c.mutable_mid_year_review()->set_place("Cửa Lò");
  return c;
}

inline pb::Command self_score(const std::string& unit, unsigned points,
                              const std::string& criterion = "ket_qua") {
  pb::Command c;
  c.mutable_self_assessment()->set_unit_id(unit);
  auto* s = c.mutable_self_assessment()->add_scores();
  s->set_criterion_id(criterion);
  s->set_points(points);
  return c;
}

inline pb::Command verify(const std::string& unit, unsigned points,
                          const std::string& criterion = "ket_qua") {
  pb::Command c;
  c.mutable_verified_scores()->set_unit_id(unit);
  auto* s = c.mutable_verified_scores()->add_scores();
  s->set_criterion_id(criterion);
  s->set_points(points);
  return c;
}

inline pb::Command summary(const std::string& date = "2023-11-25") {
  pb::Command c;
  c.mutable_year_end_summary()->set_date(date);
  c.mutable_year_end_summary()->set_place("tỉnh Lai Châu");
  return c;
}

struct votes {
  std::string unit;
  unsigned yes, no, abstain;
};

inline pb::Command vote(pb::Award award, std::initializer_list<votes> candidates, unsigned present) {
  pb::Command c;
  auto* v = c.mutable_nomination_vote();
  v->set_award(award);
  v->set_members_present(present);
  for (auto& x : candidates) {
    auto* cv = v->add_candidates();
    cv->set_unit_id(x.unit);
    cv->set_votes_for(x.yes);
    cv->set_votes_against(x.no);
    cv->set_votes_abstain(x.abstain);
  }
  return c;
}

inline pb::Command adopt(const std::string& date = "") {
  pb::Command c;
  c.mutable_adopt_nominations()->set_date(date);
  return c;
}

inline pb::Command handover(unsigned year, const std::string& chair, const std::string& vice) {
  pb::Command c;
  auto* h = c.mutable_hand_over_chair();
  h->set_for_year(year);
  h->set_next_chair_unit_id(chair);
  h->set_next_vice_chair_unit_id(vice);
  h->set_date(std::to_string(year - 1) + "-11-25");  // at the summary of the year before
  return c;
}

inline pb::Command decision(const std::string& number, pb::Authority authority,
                            std::initializer_list<std::pair<std::string, pb::Award>> granted,
                            const std::string& date = "2024-03") {
  pb::Command c;
  auto* d = c.mutable_award_decision();
  d->set_decision_number(number);
  d->set_date(date);
  d->set_authority(authority);
  for (auto& [unit, award] : granted) {
    auto* o = d->add_outcomes();
    o->set_unit_id(unit);
    o->set_award(award);
    o->set_granted(true);
  }
  return c;
}

inline pb::Command close(const std::string& date = "") {
  pb::Command c;
  c.mutable_close()->set_date(date);
  return c;
}

}  // namespace thidua::testing::cmd
