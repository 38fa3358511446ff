#include "api/app/inbox_decider.h"

#include "domain/notices.h"

namespace thidua::api {
namespace {

domain::rejection refuse(std::string code, std::string field, std::string en, std::string vi) {
  return {std::move(code), std::move(field), std::move(en), std::move(vi)};
}

}  // namespace

std::string inbox_of(const domain::pb::Actor& a) {
  if (a.role() == domain::pb::ORGANIZER_OFFICE) return domain::office_inbox(a.organizer_id());
  return a.unit_id();
}

inbox_decider::decision inbox_decider::decide(const state& s, const command& c, const actor& a,
                                              std::int64_t) {
  // The service fills inbox and person from the token; anything else is not this person's to mark.
  if (c.inbox() != inbox_of(a) || c.person() != a.person_name() || c.person().empty())
    return refuse("FORBIDDEN_ROLE", "inbox", "only the inbox's own people mark its notices",
                  "Chỉ cán bộ của đơn vị được đánh dấu thông báo trong hộp thư của đơn vị");
  const bool read = c.has_mark_read();
  if (!read && !c.has_mark_unread())
    return refuse("MISSING_FIELD", "inbox.action", "mark_read or mark_unread is required",
                  "Cần nêu mark_read hoặc mark_unread");
  const auto& positions = read ? c.mark_read().positions() : c.mark_unread().positions();
  const std::string field = read ? "inbox.mark_read.positions" : "inbox.mark_unread.positions";
  if (positions.empty())
    return refuse("MISSING_FIELD", field, "name at least one notice (its position)",
                  "Cần nêu ít nhất một thông báo (vị trí của nó)");
  if (static_cast<std::size_t>(positions.size()) > max_marked_notices)
    return refuse("INVALID_FIELD", field,
                  "at most " + std::to_string(max_marked_notices) + " notices per command",
                  "Mỗi lệnh đánh dấu tối đa " + std::to_string(max_marked_notices) + " thông báo");
  const auto seen = s.read_by.find(c.person());
  std::set<std::uint64_t> changed;
  for (auto p : positions) {
    if (p == 0)
      return refuse("INVALID_FIELD", field, "a notice's position is at least 1",
                    "Vị trí thông báo phải từ 1");
    const bool was_read = seen != s.read_by.end() && seen->second.count(p);
    if (was_read != read) changed.insert(p);
  }
  if (changed.empty()) return std::vector<event>{};
  event e;
  auto* body =
      read ? e.mutable_notices_read()->mutable_positions() : e.mutable_notices_unread()->mutable_positions();
  body->Add(changed.begin(), changed.end());
  if (read)
    e.mutable_notices_read()->set_person(c.person());
  else
    e.mutable_notices_unread()->set_person(c.person());
  return std::vector<event>{std::move(e)};
}

inbox_decider::state inbox_decider::evolve(state s, const event& e) {
  if (e.has_notices_read()) {
    auto& marks = s.read_by[e.notices_read().person()];
    marks.insert(e.notices_read().positions().begin(), e.notices_read().positions().end());
  } else if (e.has_notices_unread()) {
    auto& marks = s.read_by[e.notices_unread().person()];
    for (auto p : e.notices_unread().positions()) marks.erase(p);
  }
  return s;
}

std::string inbox_decider::event_type(const event& e) {
  return e.has_notices_read() ? "NoticesRead" : "NoticesUnread";
}

std::optional<inbox_decider::event> inbox_decider::decode(std::string_view type, std::string_view bytes) {
  event e;
  if (!e.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return std::nullopt;
  if ((type == "NoticesRead" && e.has_notices_read()) || (type == "NoticesUnread" && e.has_notices_unread()))
    return e;
  return std::nullopt;
}

}  // namespace thidua::api
