#pragma once
// What a session may read: queries over the catalog read model and the log (one handler per query kind,
// queries/), subscriptions through the engine's hub, each limited to what the token may read
// (domain/read_access.h). It owns the read side: the membership index, the subscription hub and the catalog
// projection. It answers application types and errors (api::errc); the wire frames them.

#include <chrono>
#include <functional>
#include <memory>

#include "api/app/proto/queries.pb.h"
#include "api/app/proto/tokens.pb.h"
#include "engine/clock.h"
#include "engine/subscription_hub.h"
#include "storage/event_log.h"

namespace thidua::api {

class receipt_desk;
class inbox_subscription;

struct read_options {
  // Events per ReadStream / ReadLog answer, at most. Default: 1,000.
  std::uint32_t max_events = 1000;
  // How long a query waits for the read models to reach its at_least_position. Default: 5 s.
  std::chrono::milliseconds max_read_wait{5000};
  engine::hub_options hub;
  // Records one audit page looks at, at most: past it the page ends, short, with next_position. Default:
  // 100,000.
  std::uint64_t max_audit_scan = 100'000;
  // Issues and checks receipts (docs/api.md, "Verify and receipts"); null: the server signs none. Not owned.
  receipt_desk* receipts = nullptr;
  // The time receipts are issued at; required with `receipts`. Not owned.
  const engine::wall_clock* clock = nullptr;
  // Chain checks (VerifyLog, IssueReceipt, CheckReceipt) and backups (CreateBackup) waiting for the one
  // thread that runs them, at most; past it they are refused UNAVAILABLE. Default: 8.
  std::uint32_t max_pending_chain_checks = 8;
  // Where CreateBackup makes its copies (one directory each); empty: the server makes none. Default: empty.
  std::string backup_dir;
};

class read_service {
 public:
  explicit read_service(storage::event_log& log, read_options options = {});
  ~read_service();
  read_service(const read_service&) = delete;
  read_service& operator=(const read_service&) = delete;

  // Loads the membership index and starts the catalog and inbox projections.
  result<void> start();
  // Stops the projections; queries still waiting for a position are answered READ_MODEL_BEHIND now.
  // Call it while the network that waits on them still runs.
  void stop();

  // Answers now, whatever the read models have applied.
  result<pb::QueryResult> query(const pb::TokenGrant& grant, const pb::Query& q) const;
  // Answers once the read models have applied q.at_least_position: at once, on the caller's thread, when they
  // have (or it is 0); else on this service's own thread ("read-wait", never the projection's), or
  // READ_MODEL_BEHIND when max_read_wait passes or the service stops first. Chain checks, which walk the log,
  // run on their own thread ("chain-check"), one at a time, never on the caller's.
  using query_done = std::function<void(result<pb::QueryResult>)>;
  void query_when_applied(std::shared_ptr<const pb::TokenGrant> grant, pb::Query q, query_done done);

  // Answers on this service's export thread ("export", one for every export, a page at a time), never the
  // caller's: for the pages of a long export, each of which may scan 100,000 records.
  void query_for_export(std::shared_ptr<const pb::TokenGrant> grant, pb::Query q, query_done done);

  // `ready` is called (from the hub's thread) when a subscription that found nothing has news.
  result<std::shared_ptr<engine::subscription>> subscribe(const pb::TokenGrant& grant, const pb::Subscribe& s,
                                                          std::function<void()> ready);

  // The token's inbox live (docs/api.md, "Inbox"): `ready` is called (from the inbox watch's thread) when the
  // inbox changed; the caller polls the subscription then.
  result<std::shared_ptr<inbox_subscription>> subscribe_inbox(const pb::TokenGrant& grant,
                                                              const pb::SubscribeInbox& s,
                                                              std::function<void()> ready);

  // Rebuilds a read model ("catalog") beside the serving one (engine/projection_runner.h); answers once the
  // rebuild is recorded, with the status. The caller checks who may (the API: an organizer's office).
  result<pb::ReadModelStatus> rebuild_read_model(const std::string& model);
  pb::ReadModelStatus read_model_status() const;

  // Where the inbox read model (and the webhooks' outbox in it) is stored now.
  std::string inbox_model() const;
  storage::position head() const;
  storage::position read_model_position() const;
  std::size_t subscribers() const;
  std::uint64_t max_subscription_lag() const;
  // The inbox read model's last applied position, and the open inbox subscriptions.
  storage::position inbox_position() const;
  std::size_t inbox_subscribers() const;
  const std::string& backup_dir() const;

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace thidua::api
