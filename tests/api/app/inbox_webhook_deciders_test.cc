// The deciders of the inboxes' own streams (api/app/inbox_decider.h, webhook_decider.h): each refusal, and
// that only changes are recorded.

#include <gtest/gtest.h>

#include "api/app/inbox_decider.h"
#include "api/app/webhook_decider.h"

namespace thidua::api {
namespace {

domain::pb::Actor officer(const std::string& unit, domain::pb::Role role,
                          const std::string& person = "Lò Thị Hoa") {
  domain::pb::Actor a;
  a.set_unit_id(unit);
  a.set_person_name(person);
  a.set_role(role);
  return a;
}

template <class D>
std::string refusal(const typename D::state& s, const typename D::command& c, const domain::pb::Actor& a) {
  const auto d = D::decide(s, c, a, 0);
  const auto* r = std::get_if<domain::rejection>(&d);
  return r ? r->code + " " + r->field : "accepted";
}

pb::InboxCommand marking(std::vector<std::uint64_t> positions, bool read = true) {
  pb::InboxCommand c;
  c.set_inbox("CA-SonLa");
  c.set_person("Lò Thị Hoa");
  auto* p = read ? c.mutable_mark_read()->mutable_positions() : c.mutable_mark_unread()->mutable_positions();
  p->Add(positions.begin(), positions.end());
  return c;
}

TEST(inbox_decider, marks_only_ones_own_inbox_within_limits_and_records_only_changes) {
  const auto hoa = officer("CA-SonLa", domain::pb::MEMBER);
  inbox_reads none;
  EXPECT_EQ(refusal<inbox_decider>(none, marking({5}), officer("CA-LaiChau", domain::pb::CHAIR)),
            "FORBIDDEN_ROLE inbox");
  EXPECT_EQ(
      refusal<inbox_decider>(none, marking({5}), officer("CA-SonLa", domain::pb::MEMBER, "Quàng Văn Minh")),
      "FORBIDDEN_ROLE inbox")
      << "one person does not mark another's";
  EXPECT_EQ(refusal<inbox_decider>(none, marking({}), hoa), "MISSING_FIELD inbox.mark_read.positions");
  EXPECT_EQ(refusal<inbox_decider>(none, marking({7, 0}), hoa), "INVALID_FIELD inbox.mark_read.positions");
  EXPECT_EQ(refusal<inbox_decider>(none, marking(std::vector<std::uint64_t>(max_marked_notices + 1, 3)), hoa),
            "INVALID_FIELD inbox.mark_read.positions");
  pb::InboxCommand nothing;
  nothing.set_inbox("CA-SonLa");
  nothing.set_person("Lò Thị Hoa");
  EXPECT_EQ(refusal<inbox_decider>(none, nothing, hoa), "MISSING_FIELD inbox.action");

  auto first = std::get<std::vector<pb::InboxEvent>>(inbox_decider::decide(none, marking({5, 9}), hoa, 0));
  ASSERT_EQ(first.size(), 1u);
  const auto state = inbox_decider::evolve(none, first[0]);
  const auto again =
      std::get<std::vector<pb::InboxEvent>>(inbox_decider::decide(state, marking({9, 11}), hoa, 0));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(std::vector<std::uint64_t>(again[0].notices_read().positions().begin(),
                                       again[0].notices_read().positions().end()),
            std::vector<std::uint64_t>{11})
      << "9 was read already";
  EXPECT_TRUE(
      std::get<std::vector<pb::InboxEvent>>(inbox_decider::decide(state, marking({5}), hoa, 0)).empty());
  EXPECT_TRUE(
      std::get<std::vector<pb::InboxEvent>>(inbox_decider::decide(none, marking({5}, false), hoa, 0)).empty())
      << "unread already";
}

pb::WebhookCommand add(const std::string& id, const std::string& url = "https://hethong.example.vn/hook") {
  pb::WebhookCommand c;
  c.set_inbox("CA-SonLa");
  c.set_webhook_id(id);
  c.set_secret("whsec_x");
  c.mutable_add()->set_url(url);
  return c;
}

TEST(webhook_decider, refuses_strangers_bad_webhooks_and_a_seventeenth) {
  const auto hoa = officer("CA-SonLa", domain::pb::MEMBER);
  inbox_webhooks s;
  EXPECT_EQ(refusal<webhook_decider>(s, add("wh-1"), officer("CA-SonLa", domain::pb::OBSERVER)),
            "FORBIDDEN_ROLE webhook");
  EXPECT_EQ(refusal<webhook_decider>(s, add("wh-1"), officer("CA-LaiChau", domain::pb::CHAIR)),
            "FORBIDDEN_ROLE webhook");
  for (const char* url : {"ftp://x/y", "http://", "https:///x", "http://a b/", "http://ví-dụ.vn/"})
    EXPECT_EQ(refusal<webhook_decider>(s, add("wh-1", url), hoa), "INVALID_FIELD webhook.add.url") << url;
  EXPECT_EQ(refusal<webhook_decider>(s, add("wh-1", "http://x/" + std::string(2000, 'a')), hoa),
            "INVALID_FIELD webhook.add.url");
  auto many = add("wh-1");
  for (int i = 0; i < 31; ++i) *many.mutable_add()->add_kinds() = "pledge_signed";
  EXPECT_EQ(refusal<webhook_decider>(s, many, hoa), "INVALID_FIELD webhook.add.kinds");
  EXPECT_EQ(refusal<webhook_decider>(s, add(""), hoa), "INVALID_FIELD webhook.webhook_id");

  for (std::size_t i = 0; i < max_webhooks_per_inbox; ++i) {
    auto e = std::get<std::vector<pb::WebhookEvent>>(
        webhook_decider::decide(s, add("wh-" + std::to_string(i)), hoa, 0));
    s = webhook_decider::evolve(s, e.at(0));
  }
  EXPECT_EQ(refusal<webhook_decider>(s, add("wh-x"), hoa), "LIMIT_REACHED webhook.add");
  EXPECT_EQ(refusal<webhook_decider>(s, add("wh-0"), hoa), "LIMIT_REACHED webhook.add");

  pb::WebhookCommand resume;
  resume.set_inbox("CA-SonLa");
  resume.mutable_resume()->set_webhook_id("wh-unknown");
  EXPECT_EQ(refusal<webhook_decider>(s, resume, hoa), "NOT_FOUND webhook.resume.webhook_id");
  pb::WebhookCommand remove;
  remove.set_inbox("CA-SonLa");
  remove.mutable_remove()->set_webhook_id("wh-3");
  remove.mutable_remove()->set_reason("đổi hệ thống");
  s = webhook_decider::evolve(
      s, std::get<std::vector<pb::WebhookEvent>>(webhook_decider::decide(s, remove, hoa, 0)).at(0));
  EXPECT_EQ(refusal<webhook_decider>(s, remove, hoa), "NOT_FOUND webhook.remove.webhook_id")
      << "removed already";
  EXPECT_EQ(refusal<webhook_decider>(s, add("wh-3"), hoa), "INVALID_FIELD webhook.webhook_id")
      << "an id is never reused";
  EXPECT_EQ(refusal<webhook_decider>(s, add("wh-new"), hoa), "accepted") << "a removal frees a place";
}

}  // namespace
}  // namespace thidua::api
