#pragma once
// Whom an event of a cycle concerns, and what to tell them: the notices of each unit's inbox (docs/api.md,
// "Inbox"). A notice is one short sentence in Vietnamese and in English that a person can read without the
// event in front of them. Pure: the inbox projection (api/app) keeps the audiences and stores the notices.

#include <functional>
#include <string>
#include <vector>

#include "domain/proto/cycle.pb.h"
#include "domain/proto/views.pb.h"

namespace thidua::domain {

// The inbox of an organizer's emulation office (Cục X03 for "BCA"): "office:<organizer>". A unit's inbox is
// its unit id, which has no ':'.
std::string office_inbox(const std::string& organizer_id);

struct notice {
  std::string inbox;    // a unit id, or office_inbox(organizer)
  std::string kind;     // stable: pledge_to_sign, pledge_signed, vote_result … (docs/api.md)
  std::string text_vi;  // "Công an tỉnh Sơn La đã ký giao ước thi đua năm 2023 ngày 30/3/2023."
  std::string text_en;
  bool needs_action = false;  // the inbox's unit is asked to do something (sign, submit, verify, decide)
};

// A unit's display name ("Công an tỉnh Sơn La"); the id itself when the registry does not know it.
using unit_namer = std::function<std::string(const std::string& unit_id)>;

// The audience of a cluster's cycle after `e` (the empty audience before its opening).
void fold_audience(pb::NoticeAudience& audience, const pb::Event& e);
// Whether fold_audience may change anything for `e` (most events change nothing).
bool changes_audience(const pb::Event& e);

// The notices `e` gives, at most one per inbox, in a stable order; `audience` is the cycle's before `e`.
// Who hears what:
// - every member: the opening, the launch, the pledge in force or continued, the conferences, the summary
//   (with its own rank), each vote's result, the adopted nominations, the handover, the decisions, the close,
//   a change of settings, membership or record (correction), a dissolution;
// - each member that has not signed: the adopted contents (to sign); every other member: a peer's signature;
// - each member: that the self-assessment is open, when the mid-year review is held (or the pledge comes in
//   force with the review skipped);
// - the chair: a member's self-assessment (to verify), the adopted nominations (to send the dossier);
//   a unit: its verified scores, its revoked award;
// - the units that owe a step: a reminder or an overdue notice; the organizer's office too when overdue;
// - the organizer's office: the adopted nominations, the dossier (to decide), the handover, a dissolution.
// An activity record gives none.
std::vector<notice> notices_of(const pb::NoticeAudience& audience, const pb::Event& e,
                               const unit_namer& name);

// Every kind notices_of gives (what a webhook may ask for).
const std::vector<std::string>& notice_kinds();

// "2023-11-25" → "25/11/2023" and "2023-07" → "7/2023", as Vietnamese documents write dates; other text
// unchanged.
std::string vietnamese_date(const std::string& iso_date);

}  // namespace thidua::domain
