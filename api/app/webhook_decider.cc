#include "api/app/webhook_decider.h"

#include <algorithm>

#include "api/app/inbox_decider.h"
#include "domain/notices.h"

namespace thidua::api {
namespace {

domain::rejection refuse(std::string code, std::string field, std::string en, std::string vi) {
  return {std::move(code), std::move(field), std::move(en), std::move(vi)};
}

std::optional<domain::rejection> bad_url(const std::string& url) {
  const bool http = url.starts_with("http://"), https = url.starts_with("https://");
  const std::size_t host_at = https ? 8 : 7;
  if ((!http && !https) || url.size() <= host_at || url[host_at] == '/' || url[host_at] == ':')
    return refuse("INVALID_FIELD", "webhook.add.url", "the URL must be http://host/… or https://host/…",
                  "Địa chỉ phải có dạng http://máy-chủ/… hoặc https://máy-chủ/…");
  if (url.size() > 2000)
    return refuse("INVALID_FIELD", "webhook.add.url", "the URL is longer than 2,000 bytes",
                  "Địa chỉ dài quá 2.000 byte");
  for (unsigned char ch : url)
    if (ch <= ' ' || ch >= 0x7f)
      return refuse("INVALID_FIELD", "webhook.add.url",
                    "the URL holds a space or a character outside printable ASCII (percent-encode it)",
                    "Địa chỉ có dấu cách hoặc ký tự ngoài ASCII (cần mã hóa phần trăm)");
  return std::nullopt;
}

}  // namespace

std::size_t inbox_webhooks::live() const {
  return static_cast<std::size_t>(
      std::count_if(removed.begin(), removed.end(), [](const auto& h) { return !h.second; }));
}

std::string inbox_of_webhook_stream(std::string_view stream) {
  constexpr std::string_view prefix = "webhooks/";
  return stream.starts_with(prefix) ? std::string(stream.substr(prefix.size())) : std::string();
}

webhook_decider::decision webhook_decider::decide(const state& s, const command& c, const actor& a,
                                                  std::int64_t) {
  if (c.inbox().empty() || c.inbox() != inbox_of(a) || a.role() == domain::pb::OBSERVER ||
      a.role() == domain::pb::ROLE_UNSPECIFIED)
    return refuse("FORBIDDEN_ROLE", "webhook",
                  "only the organizer's office or the unit's own people manage its inbox's webhooks",
                  "Chỉ cơ quan thường trực hoặc cán bộ của đơn vị được quản lý webhook của hộp thư đơn vị");
  event e;
  switch (c.action_case()) {
    case command::kAdd: {
      if (auto bad = bad_url(c.add().url())) return *bad;
      const auto& known = domain::notice_kinds();
      if (static_cast<std::size_t>(c.add().kinds_size()) > known.size())
        return refuse("INVALID_FIELD", "webhook.add.kinds",
                      "at most " + std::to_string(known.size()) + " kinds (there are no more)",
                      "Tối đa " + std::to_string(known.size()) + " loại thông báo");
      for (int i = 0; i < c.add().kinds_size(); ++i)
        if (std::find(known.begin(), known.end(), c.add().kinds(i)) == known.end())
          return refuse("INVALID_FIELD", "webhook.add.kinds[" + std::to_string(i) + "]",
                        "unknown notice kind \"" + c.add().kinds(i) + "\" (docs/api.md lists them)",
                        "Không có loại thông báo \"" + c.add().kinds(i) + "\"");
      if (s.live() >= max_webhooks_per_inbox)
        return refuse("LIMIT_REACHED", "webhook.add",
                      "an inbox has at most " + std::to_string(max_webhooks_per_inbox) + " webhooks",
                      "Mỗi hộp thư có tối đa " + std::to_string(max_webhooks_per_inbox) + " webhook");
      if (c.webhook_id().empty() || c.secret().empty() || s.removed.count(c.webhook_id()))
        return refuse("INVALID_FIELD", "webhook.webhook_id", "the server names a new webhook",
                      "Máy chủ đặt mã cho webhook mới");
      auto* added = e.mutable_added();
      added->set_webhook_id(c.webhook_id());
      added->set_inbox(c.inbox());
      added->set_url(c.add().url());
      *added->mutable_kinds() = c.add().kinds();
      added->set_secret(c.secret());
      break;
    }
    case command::kRemove:
    case command::kResume: {
      const bool removing = c.has_remove();
      const std::string& id = removing ? c.remove().webhook_id() : c.resume().webhook_id();
      const std::string field = removing ? "webhook.remove.webhook_id" : "webhook.resume.webhook_id";
      const auto it = s.removed.find(id);
      if (it == s.removed.end() || it->second)
        return refuse("NOT_FOUND", field, "no webhook " + id + " in this inbox",
                      "Hộp thư không có webhook " + id);
      if (removing) {
        if (c.remove().reason().find_first_not_of(" \t") == std::string::npos)
          return refuse("MISSING_FIELD", "webhook.remove.reason", "say why the webhook is removed",
                        "Cần nêu lý do gỡ webhook");
        *e.mutable_removed() = pb::WebhookRemoved();
        e.mutable_removed()->set_webhook_id(id);
        e.mutable_removed()->set_reason(c.remove().reason());
      } else {
        e.mutable_resumed()->set_webhook_id(id);
      }
      break;
    }
    default:
      return refuse("MISSING_FIELD", "webhook.action", "add, remove or resume is required",
                    "Cần nêu add, remove hoặc resume");
  }
  return std::vector<event>{std::move(e)};
}

webhook_decider::state webhook_decider::evolve(state s, const event& e) {
  if (e.has_added()) s.removed[e.added().webhook_id()] = false;
  if (e.has_removed()) s.removed[e.removed().webhook_id()] = true;
  return s;
}

std::string webhook_decider::event_type(const event& e) {
  if (e.has_added()) return "WebhookAdded";
  return e.has_removed() ? "WebhookRemoved" : "WebhookResumed";
}

std::optional<webhook_decider::event> webhook_decider::decode(std::string_view type, std::string_view bytes) {
  event e;
  if (!e.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return std::nullopt;
  if ((type == "WebhookAdded" && e.has_added()) || (type == "WebhookRemoved" && e.has_removed()) ||
      (type == "WebhookResumed" && e.has_resumed()))
    return e;
  return std::nullopt;
}

}  // namespace thidua::api
