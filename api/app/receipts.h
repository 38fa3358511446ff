#pragma once
// The log's hash chain checked, and receipts that pin it (docs/api.md, "Verify and receipts"). Used by the
// server's queries and, offline, by `thidua verify --receipt`.

#include <cstdint>
#include <mutex>
#include <string>

#include "api/app/proto/queries.pb.h"
#include "api/app/receipt_key.h"
#include "storage/event_log.h"

namespace thidua::api {

inline constexpr const char* receipt_format = "thidua-receipt/1";

// The exact bytes a receipt's signature covers: one "name: value" line per signed field, in this order,
// each ending in "\n" — format, position, head_hash, issued_at_ms, issued_at, key_id.
std::string receipt_signed_text(const pb::Receipt& r);

// Checks the chain over [from, to] (0 = 1 and the head; `to` is capped at the head).
result<pb::Verification> verify_log(const storage::event_log& log, std::uint64_t from, std::uint64_t to);

// Is the receipt signed by `key`, and is the log's history up to its position unchanged (the chain sound up
// to it, and the record there has the receipt's hash)? A malformed receipt is an error naming its field; a
// receipt that does not hold is ok=false with the reason.
result<pb::ReceiptCheck> check_receipt(const storage::event_log& log, const pb::Receipt& r,
                                       const receipt_key& key);

pb::ReceiptKey receipt_key_message(const receipt_key& key);

// Issues receipts over a served log. A receipt vouches only for a chain verified by this process: the first
// receipt verifies the whole log, each later one the records appended since (the chain links them to what
// was verified before).
class receipt_desk {
 public:
  receipt_desk(const storage::event_log& log, receipt_key key) : log_(log), key_(std::move(key)) {}
  // A receipt for the head now; refused when the log is empty or its chain is broken.
  result<pb::Receipt> issue(std::int64_t now_ms);
  const receipt_key& key() const { return key_; }

 private:
  const storage::event_log& log_;
  const receipt_key key_;
  std::mutex mu_;
  std::uint64_t verified_to_ = 0;
};

}  // namespace thidua::api
