#include "api/app/errc.h"
#include "api/app/queries/query_context.h"
#include "api/app/token_registry.h"
#include "api/app/vietnam_time.h"

namespace thidua::api {

result<pb::QueryResult> list_tokens(const query_context& c, const pb::TokenGrant& who, pb::QueryResult out) {
  if (who.role() != "ORGANIZER_OFFICE" && who.role() != "CHAIR")
    return app_error(errc::forbidden, "list_tokens", "only an organizer's office or a chair manages tokens",
                     "Chỉ cơ quan tổ chức hoặc Cụm trưởng quản lý token");
  std::map<std::string, pb::TokenListing> listed;  // by token id, in id order
  for (storage::stream_version from{1};;) {
    auto page = c.log.read_stream("tokens", from, 1000);
    if (!page) return unreadable_log(page.error());
    for (const auto& ev : page.value()) {
      const auto& r = ev->record;
      auto e = token_decider::decode(r.event_type(), r.payload());
      if (!e) return unreadable_log(make_error(storage::errc::corruption, "a token event does not decode"));
      if (e->has_token_issued()) {
        auto& t = listed[e->token_issued().token_id()];
        *t.mutable_grant() = e->token_issued();
        t.mutable_grant()->clear_sha256();
        t.set_status("active");
        t.set_issued_at(vietnam_time(r.recorded_at_ms()));
      } else if (e->has_token_revoked()) {
        auto& t = listed[e->token_revoked().token_id()];
        t.set_status("revoked");
        t.set_revoked_by(r.actor().person());
        t.set_revoked_at(vietnam_time(r.recorded_at_ms()));
        t.set_revoke_reason(e->token_revoked().reason());
      }
      from.value = r.stream_version() + 1;
    }
    if (page.value().size() < 1000) break;
  }
  for (auto& [id, t] : listed)
    if (may_manage_token(who, t.grant())) *out.add_tokens() = std::move(t);
  return out;
}

}  // namespace thidua::api
