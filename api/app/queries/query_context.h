#pragma once
// Private to api/app: what every query handler (one file per query kind, queries/*.cc) reads from — the log,
// the catalog read model, the membership index — and the checks they share. read_service builds one per
// query.

#include <functional>
#include <string>
#include <string_view>

#include "api/app/proto/queries.pb.h"
#include "api/app/request_checks.h"
#include "domain/proto/views.pb.h"
#include "domain/read_access.h"
#include "storage/event_log.h"

namespace thidua::api {

class membership_index;
class receipt_desk;

struct query_context {
  const storage::event_log& log;
  const membership_index& members;
  domain::reader reader;             // who asks
  std::uint32_t max_events = 0;      // per ReadStream / ReadLog answer
  receipt_desk* receipts = nullptr;  // null: this server signs no receipts
  std::int64_t now_ms = 0;           // the wall clock's time when the query runs
  std::uint64_t max_scanned = 0;     // records an audit page looks at, at most
  // Where the catalog read model is stored now (its serving generation: engine/projection_runner.h).
  std::string catalog;
  // Where CreateBackup puts its copies; empty: this server makes none.
  std::string backup_dir;

  // May the reader see this record (cycle events: by the members of its cluster)?
  bool readable(const storage::pb::EventRecord& rec) const;
  // May the reader see this cycle (its members, former members and their successors)?
  bool readable(const domain::pb::CycleView& cycle) const;
  // Calls `each` with every value of the catalog read model under `prefix`.
  result<void> scan_views(std::string_view prefix, const std::function<void(std::string_view)>& each) const;
  // The record at position `p`; a record missing below the head is corruption, said as such.
  result<storage::event_ptr> record_at(std::uint64_t p) const;
  // A page size: the asked limit, at most (and by default) max_events.
  std::uint32_t page(std::uint32_t asked) const;
};

// The log or a read model could not be read.
error unreadable_log(const error& e);

// One handler per query kind; each fills `out` (which has the positions already) or says why not.
result<pb::QueryResult> list_clusters(const query_context& c, const pb::ListClusters& q, pb::QueryResult out);
result<pb::QueryResult> list_units(const query_context& c, const pb::ListUnits& q, pb::QueryResult out);
result<pb::QueryResult> list_cycles(const query_context& c, const pb::ListCycles& q, pb::QueryResult out);
result<pb::QueryResult> get_cycle(const query_context& c, const pb::GetCycle& q, pb::QueryResult out);
result<pb::QueryResult> get_board(const query_context& c, const pb::GetBoard& q, pb::QueryResult out);
result<pb::QueryResult> get_statistics(const query_context& c, const pb::GetStatistics& q,
                                       pb::QueryResult out);
result<pb::QueryResult> get_unit_record(const query_context& c, const pb::GetUnitRecord& q,
                                        pb::QueryResult out);
result<pb::QueryResult> read_stream(const query_context& c, const pb::ReadStream& q, pb::QueryResult out);
result<pb::QueryResult> read_log(const query_context& c, const pb::ReadLog& q, pb::QueryResult out);
result<pb::QueryResult> audit(const query_context& c, const pb::AuditQuery& q, pb::QueryResult out);
result<pb::QueryResult> verify_log(const query_context& c, const pb::VerifyLog& q, pb::QueryResult out);
// The tokens `who` may manage (token_registry.h, may_manage_token), without secrets or hashes.
result<pb::QueryResult> list_tokens(const query_context& c, const pb::TokenGrant& who, pb::QueryResult out);
// A consistent copy of the log in c.backup_dir, made while appends go on; for an organizer's office only.
result<pb::QueryResult> create_backup(const query_context& c, const pb::CreateBackup& q, pb::QueryResult out);
result<pb::QueryResult> issue_receipt(const query_context& c, const pb::IssueReceipt& q, pb::QueryResult out);
result<pb::QueryResult> check_receipt(const query_context& c, const pb::CheckReceipt& q, pb::QueryResult out);
result<pb::QueryResult> get_receipt_key(const query_context& c, const pb::GetReceiptKey& q,
                                        pb::QueryResult out);

}  // namespace thidua::api
