#include "api/app/read_service.h"

#include <algorithm>
#include <atomic>
#include <future>
#include <mutex>

#include "api/app/catalog_projection.h"
#include "api/app/errc.h"
#include "api/app/inbox_decider.h"
#include "api/app/inbox_projection.h"
#include "api/app/inbox_subscriptions.h"
#include "api/app/membership_index.h"
#include "api/app/queries/query_context.h"
#include "api/app/request_checks.h"
#include "api/app/subscription_filter.h"
#include "api/app/token_registry.h"
#include "api/app/webhook_outbox.h"
#include "domain/ids.h"
#include "engine/projection_runner.h"
#include "engine/serial_executor.h"

namespace thidua::api {
namespace {

error read_model_behind(std::uint64_t position, std::chrono::milliseconds waited) {
  return app_error(errc::read_model_behind, "query.at_least_position",
                   "the read models did not reach position " + std::to_string(position) + " within " +
                       std::to_string(waited.count()) + " ms; retry",
                   "Dữ liệu đọc chưa cập nhật tới vị trí yêu cầu; vui lòng thử lại");
}

error stopping() {
  return app_error(errc::unavailable, "query", "the server is stopping", "Máy chủ đang dừng");
}

// Long work over the whole log (a chain walk, a backup's copy) runs on its own thread, one at a time.
bool walks_the_chain(const pb::Query& q) {
  return q.has_verify_log() || q.has_issue_receipt() || q.has_check_receipt() || q.has_create_backup();
}

}  // namespace

struct read_service::impl {
  impl(storage::event_log& l, read_options o)
      : log(l),
        options(o),
        members(l),
        hub(l, o.hub,
            {.learn = [this](const std::vector<storage::event_ptr>& batch) { members.learn(batch); },
             .annotate = [this](const storage::stored_event& e) { return cycle_note_of(members, e); }}),
        runner(l, catalog),
        inbox_runner(l, inbox),
        inbox_watch(inbox, inbox_runner) {}

  storage::event_log& log;
  read_options options;
  // Learns each batch from the hub before the hub's filters see it (engine::hub_hooks).
  membership_index members;
  engine::subscription_hub hub;
  catalog_projection catalog;
  engine::projection_runner runner;
  inbox_projection inbox;
  engine::projection_runner inbox_runner;
  api::inbox_watch inbox_watch;
  // Answers queries that waited for the read models, off the projection's threads. Last: it goes first,
  // running what it was handed while everything its tasks use still exists.
  engine::serial_executor waited{"read-wait"};
  // Runs chain checks, which may walk millions of records, one at a time.
  engine::serial_executor chain_checks{"chain-check"};
  std::atomic<std::uint32_t> pending_chain_checks{0};
  // Produces the pages of exports, one page of one export at a time: exports take turns.
  engine::serial_executor exports{"export"};
  // Set by stop(): no task is handed to chain_checks or exports after it, so none can answer a connection
  // after the network that would send the answer is gone.
  std::mutex handing_over;
  bool stopped = false;

  // Hands `task` to `executor` unless the service stopped; false then.
  bool hand_over(engine::serial_executor& executor, std::function<void()> task) {
    std::lock_guard lock(handing_over);
    if (stopped) return false;
    executor.post(std::move(task));
    return true;
  }
};

read_service::read_service(storage::event_log& log, read_options options)
    : impl_(std::make_unique<impl>(log, options)) {}

read_service::~read_service() {
  impl_->inbox_watch.stop();
  impl_->inbox_runner.stop();
  impl_->runner.stop();
}

result<void> read_service::start() {
  for (const char* old : catalog_projection::superseded)
    if (auto r = engine::projection_runner::erase_all(impl_->log, old); !r) return r.error();
  auto serving =
      engine::projection_runner::stored_serving_name(impl_->log, catalog_projection::projection_name);
  if (!serving) return serving.error();
  if (auto r = impl_->members.load(serving.value()); !r) return r.error();
  impl_->runner.start();
  impl_->inbox_runner.start();
  impl_->inbox_watch.start();
  return success();
}

void read_service::stop() {
  impl_->inbox_watch.stop();
  impl_->inbox_runner.stop();
  impl_->runner.stop();
  {
    std::lock_guard lock(impl_->handing_over);
    impl_->stopped = true;
  }
  // The waiting queries the runner has just answered leave through read-wait, and chain checks through
  // their thread: let them out before returning, while the network that sends their replies still runs.
  for (auto* executor : {&impl_->waited, &impl_->chain_checks, &impl_->exports}) {
    std::promise<void> drained;
    executor->post([&drained] { drained.set_value(); });
    drained.get_future().wait();
  }
}

namespace {

pb::ReadModelStatus status_of(const read_service::impl& i) {
  pb::ReadModelStatus s;
  s.set_model("catalog");
  s.set_stored_as(i.runner.serving_name());
  s.set_position(i.runner.checkpoint().value);
  const auto r = i.runner.rebuilding();
  s.set_rebuilding(r.running);
  s.set_rebuilding_into(r.into);
  s.set_rebuild_position(r.position);
  s.set_rebuild_target(r.target);
  return s;
}

result<pb::ReadModelStatus> start_rebuild(read_service::impl& i, const std::string& model) {
  if (model != "catalog")
    return app_error(errc::invalid_field, "rebuild_read_model.model",
                     "unknown read model \"" + model + "\" (known: catalog)",
                     "Không có dữ liệu đọc \"" + model + "\" (có: catalog)");
  if (auto r = i.runner.rebuild(); !r)
    return app_error(errc::unavailable, "rebuild_read_model",
                     "the rebuild could not start: " + r.error().message,
                     "Không bắt đầu xây dựng lại được dữ liệu đọc");
  return status_of(i);
}

}  // namespace

result<pb::QueryResult> read_service::query(const pb::TokenGrant& grant, const pb::Query& q) const {
  const auto& o = impl_->options;
  const query_context c{impl_->log,       impl_->members,
                        reader_of(grant), o.max_events,
                        o.receipts,       o.clock ? o.clock->now_ms() : 0,
                        o.max_audit_scan, impl_->runner.serving_name(),
                        o.backup_dir};
  pb::QueryResult out;
  out.set_read_model_position(impl_->runner.checkpoint().value);
  out.set_head(impl_->log.head().value);
  switch (q.what_case()) {
    case pb::Query::kListClusters:
      return list_clusters(c, q.list_clusters(), std::move(out));
    case pb::Query::kListUnits:
      return list_units(c, q.list_units(), std::move(out));
    case pb::Query::kListCycles:
      return list_cycles(c, q.list_cycles(), std::move(out));
    case pb::Query::kGetCycle:
      return get_cycle(c, q.get_cycle(), std::move(out));
    case pb::Query::kGetBoard:
      return get_board(c, q.get_board(), std::move(out));
    case pb::Query::kGetStatistics:
      return get_statistics(c, q.get_statistics(), std::move(out));
    case pb::Query::kGetUnitRecord:
      return get_unit_record(c, q.get_unit_record(), std::move(out));
    case pb::Query::kRebuildReadModel: {
      if (reader_of(grant).role != domain::pb::ORGANIZER_OFFICE)
        return app_error(errc::forbidden, "rebuild_read_model",
                         "only an organizer's office rebuilds read models",
                         "Chỉ cơ quan thường trực thi đua được xây dựng lại dữ liệu đọc");
      // Rebuilding changes where the read model is stored, not what a query answers.
      auto status = start_rebuild(*impl_, q.rebuild_read_model().model());
      if (!status) return status.error();
      *out.mutable_read_model() = std::move(status).value();
      return out;
    }
    case pb::Query::kReadModelStatus:
      *out.mutable_read_model() = status_of(*impl_);
      return out;
    case pb::Query::kReadStream:
      return read_stream(c, q.read_stream(), std::move(out));
    case pb::Query::kReadLog:
      return read_log(c, q.read_log(), std::move(out));
    case pb::Query::kAudit:
      return audit(c, q.audit(), std::move(out));
    case pb::Query::kVerifyLog:
      return verify_log(c, q.verify_log(), std::move(out));
    case pb::Query::kIssueReceipt:
      return issue_receipt(c, q.issue_receipt(), std::move(out));
    case pb::Query::kCheckReceipt:
      return check_receipt(c, q.check_receipt(), std::move(out));
    case pb::Query::kGetReceiptKey:
      return get_receipt_key(c, q.get_receipt_key(), std::move(out));
    case pb::Query::kListTokens:
      return list_tokens(c, grant, std::move(out));
    case pb::Query::kCreateBackup:
      return create_backup(c, q.create_backup(), std::move(out));
    case pb::Query::kGetInbox: {
      out.set_read_model_position(impl_->inbox_runner.checkpoint().value);
      const inbox_reader reader(impl_->log, impl_->inbox_runner.serving_name());
      auto page = reader.page(inbox_of(actor_of(grant)), grant.person_name(), q.get_inbox());
      if (!page) return unreadable_log(page.error());
      *out.mutable_inbox() = std::move(page).value();
      return out;
    }
    case pb::Query::kListWebhooks: {
      auto hooks =
          webhook_outbox::status(impl_->log, impl_->inbox_runner.serving_name(), inbox_of(actor_of(grant)));
      if (!hooks) return unreadable_log(hooks.error());
      for (auto& h : hooks.value()) *out.add_webhooks() = std::move(h);
      return out;
    }
    case pb::Query::WHAT_NOT_SET:
      break;
  }
  return app_error(errc::missing_field, "query.what", "the query names nothing to read",
                   "Truy vấn không nêu cần đọc gì");
}

void read_service::query_when_applied(std::shared_ptr<const pb::TokenGrant> grant, pb::Query q,
                                      query_done done) {
  if (walks_the_chain(q)) {
    if (impl_->pending_chain_checks.fetch_add(1) >= impl_->options.max_pending_chain_checks) {
      impl_->pending_chain_checks.fetch_sub(1);
      return done(app_error(errc::unavailable, "query",
                            "too many chain checks are waiting (at most " +
                                std::to_string(impl_->options.max_pending_chain_checks) +
                                "); retry in a moment",
                            "Đang có quá nhiều yêu cầu kiểm tra chuỗi băm; vui lòng thử lại sau"));
    }
    auto check = [this, grant = std::move(grant), q = std::move(q), done] {
      auto r = query(*grant, q);
      impl_->pending_chain_checks.fetch_sub(1);
      done(std::move(r));
    };
    if (!impl_->hand_over(impl_->chain_checks, std::move(check))) {
      impl_->pending_chain_checks.fetch_sub(1);
      done(stopping());
    }
    return;
  }
  // An "as of" answer needs the read models at least at its point (a day: at the head as the query came).
  const pb::AsOf* as_of = q.has_get_cycle()         ? &q.get_cycle().as_of()
                          : q.has_list_cycles()     ? &q.list_cycles().as_of()
                          : q.has_get_board()       ? &q.get_board().as_of()
                          : q.has_get_statistics()  ? &q.get_statistics().as_of()
                          : q.has_get_unit_record() ? &q.get_unit_record().as_of()
                                                    : nullptr;
  if (as_of && (as_of->position() != 0 || !as_of->date().empty()))
    q.set_at_least_position(
        std::max(q.at_least_position(),
                 std::min(as_of->date().empty() ? as_of->position() : UINT64_MAX, impl_->log.head().value)));
  const std::uint64_t at_least = q.at_least_position();
  // The inbox has a read model of its own.
  auto& runner = q.has_get_inbox() || q.has_list_webhooks() ? impl_->inbox_runner : impl_->runner;
  if (at_least == 0 || runner.checkpoint().value >= at_least) return done(query(*grant, q));
  const auto wait = impl_->options.max_read_wait;
  runner.when_applied(
      {at_least}, wait,
      [this, grant = std::move(grant), q = std::move(q), done = std::move(done), wait](bool reached) mutable {
        // On the projection's threads: hand over, so a query never holds up applying events.
        impl_->waited.post(
            [this, grant = std::move(grant), q = std::move(q), done = std::move(done), wait, reached] {
              if (!reached) return done(read_model_behind(q.at_least_position(), wait));
              done(query(*grant, q));
            });
      });
}

void read_service::query_for_export(std::shared_ptr<const pb::TokenGrant> grant, pb::Query q,
                                    query_done done) {
  auto page = [this, grant = std::move(grant), q = std::move(q), done] { done(query(*grant, q)); };
  if (!impl_->hand_over(impl_->exports, std::move(page))) done(stopping());
}

result<std::shared_ptr<engine::subscription>> read_service::subscribe(const pb::TokenGrant& grant,
                                                                      const pb::Subscribe& s,
                                                                      std::function<void()> ready) {
  auto filter = subscription_filter(reader_of(grant), s, impl_->log.head().value);
  if (!filter) return filter.error();
  return impl_->hub.subscribe(std::move(filter).value(), {s.from_position()}, std::move(ready));
}

result<std::shared_ptr<inbox_subscription>> read_service::subscribe_inbox(const pb::TokenGrant& grant,
                                                                          const pb::SubscribeInbox& s,
                                                                          std::function<void()> ready) {
  if (!domain::valid_subscription_id(s.subscription_id()))
    return invalid("subscribe_inbox.subscription_id",
                   "a subscription id is required: [A-Za-z0-9._-], at most 64",
                   "Cần mã đăng ký theo dõi: [A-Za-z0-9._-], tối đa 64 ký tự");
  const std::uint64_t after = s.after_position() ? s.after_position() : impl_->log.head().value;
  auto sub = std::make_shared<inbox_subscription>(
      impl_->log, [i = impl_.get()] { return i->inbox_runner.serving_name(); }, s.subscription_id(),
      inbox_of(actor_of(grant)), grant.person_name(), after, std::move(ready));
  impl_->inbox_watch.add(sub);
  return sub;
}

std::string read_service::inbox_model() const {
  return impl_->inbox_runner.serving_name();
}

result<pb::ReadModelStatus> read_service::rebuild_read_model(const std::string& model) {
  return start_rebuild(*impl_, model);
}

pb::ReadModelStatus read_service::read_model_status() const {
  return status_of(*impl_);
}

storage::position read_service::head() const {
  return impl_->log.head();
}

storage::position read_service::read_model_position() const {
  return impl_->runner.checkpoint();
}

storage::position read_service::inbox_position() const {
  return impl_->inbox_runner.checkpoint();
}

std::size_t read_service::inbox_subscribers() const {
  return impl_->inbox_watch.subscribers();
}

std::size_t read_service::subscribers() const {
  return impl_->hub.subscribers();
}

const std::string& read_service::backup_dir() const {
  return impl_->options.backup_dir;
}

std::uint64_t read_service::max_subscription_lag() const {
  return impl_->hub.max_lag(impl_->log.head());
}

}  // namespace thidua::api
