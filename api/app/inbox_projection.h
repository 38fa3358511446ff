#pragma once
// Each unit's inbox as a read model (docs/api.md, "Inbox"): the notices domain/notices.h gives for each cycle
// event, per inbox, with the read marks of each person from the inboxes' own streams
// (api/app/inbox_decider.h). Keys (positions are 20 digits, so keys sort by position):
//   "a/<cycle stream>|<cluster>"   the cycle's audience (domain::pb::NoticeAudience)
//   "u/<unit>"                     the unit's latest name, from the registry
//   "n/<inbox>/<position>"         a notice (api::pb::Notice, `read` unset)
//   "t/<inbox>"                    notices in the inbox (decimal)
//   "r/<inbox>/<person key>/<position>"  a read mark; "c/<inbox>/<person key>": the person's marks (decimal)
// The person key is 16 hex digits of the SHA-256 of the person's name (names hold any character).
// The webhooks' outbox (api/app/webhook_outbox.h), from the inboxes' webhook streams:
//   "w/<webhook>"                  the webhook (pb::WebhookAdded, its secret included: never served)
//   "wi/<inbox>"                   the inbox's live webhooks, comma separated, in the order added
//   "wx/<webhook>"                 removed (the reason); "wr/<webhook>": resumptions (decimal)
//   "o/<webhook>/<position>"       a notice to deliver (pb::Notice), written with the notice itself

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/app/proto/inbox.pb.h"
#include "engine/projection_runner.h"

namespace thidua::api {

class inbox_projection final : public engine::projection {
 public:
  static constexpr const char* projection_name = "inbox.v1";
  std::string name() const override { return projection_name; }
  void begin_step(engine::projection_context& ctx) override;
  result<void> apply(const storage::record_view& record, engine::projection_context& ctx) override;
  result<void> end_step(engine::projection_context& ctx) override;

  // The inboxes whose notices or read marks changed in events up to `applied` (the runner's checkpoint),
  // taken: each is handed out once per change. For the live inbox subscriptions.
  std::set<std::string> take_changed(std::uint64_t applied);

  static std::string person_key(const std::string& person);
  static std::string notice_prefix(const std::string& inbox);
  static std::string webhook_key(const std::string& id);
  static std::string outbox_prefix(const std::string& id);
  static std::vector<std::string> split_ids(const std::string& ids);

 private:
  result<void> apply_webhook(const storage::record_view& record, const std::string& inbox,
                             engine::projection_context& ctx);
  // Queues the notice for each of the inbox's webhooks that wants its kind.
  result<void> queue_for_webhooks(engine::projection_context& ctx, const std::string& inbox,
                                  const std::string& kind, std::uint64_t position, const std::string& notice);
  struct step_state {
    std::map<std::string, std::uint64_t> changed;  // inbox → last position that changed it
  };
  std::optional<step_state> step_;
  std::mutex changed_mutex_;
  std::map<std::string, std::uint64_t> changed_;
};

// Reads of the inbox read model stored under `model` (the runner's serving name).
class inbox_reader {
 public:
  inbox_reader(const storage::event_log& log, std::string model) : log_(log), model_(std::move(model)) {}
  struct counts {
    std::uint64_t total = 0;
    std::uint64_t read = 0;
    std::uint64_t unread() const { return total > read ? total - read : 0; }
  };
  result<counts> count(const std::string& inbox, const std::string& person) const;
  // A page, newest first, with each notice's read state for `person`.
  result<pb::Inbox> page(const std::string& inbox, const std::string& person, const pb::GetInbox& q) const;
  // The notices after `after`, oldest first, at most `max`, with their read state.
  result<std::vector<pb::Notice>> after(const std::string& inbox, const std::string& person,
                                        std::uint64_t after, std::size_t max) const;
  result<bool> has_notice(const std::string& inbox, std::uint64_t position) const;
  // The notices at or before `up_to` that `person` has not read, oldest first, at most `max`.
  result<std::vector<std::uint64_t>> unread_up_to(const std::string& inbox, const std::string& person,
                                                  std::uint64_t up_to, std::size_t max) const;

 private:
  result<bool> is_read(const std::string& inbox, const std::string& person_key, std::uint64_t position) const;
  const storage::event_log& log_;
  std::string model_;
};

}  // namespace thidua::api
