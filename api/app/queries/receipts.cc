#include "api/app/receipts.h"
#include "api/app/errc.h"
#include "api/app/queries/query_context.h"

namespace thidua::api {
namespace {

error no_receipts() {
  return app_error(errc::unavailable, "receipt",
                   "this server signs no receipts (it was started without a key)",
                   "Máy chủ này không cấp biên nhận có chữ ký");
}

}  // namespace

result<pb::QueryResult> issue_receipt(const query_context& c, const pb::IssueReceipt&, pb::QueryResult out) {
  if (!c.receipts) return no_receipts();
  auto r = c.receipts->issue(c.now_ms);
  if (!r) return r.error();
  *out.mutable_receipt() = std::move(r).value();
  return out;
}

result<pb::QueryResult> check_receipt(const query_context& c, const pb::CheckReceipt& q,
                                      pb::QueryResult out) {
  if (!c.receipts) return no_receipts();
  if (!q.has_receipt())
    return app_error(errc::missing_field, "check_receipt.receipt", "the receipt to check is required",
                     "Cần gửi biên nhận cần kiểm tra");
  auto checked = check_receipt(c.log, q.receipt(), c.receipts->key());
  if (!checked) return checked.error();
  *out.mutable_receipt_check() = std::move(checked).value();
  return out;
}

result<pb::QueryResult> get_receipt_key(const query_context& c, const pb::GetReceiptKey&,
                                        pb::QueryResult out) {
  if (!c.receipts) return no_receipts();
  *out.mutable_receipt_key() = receipt_key_message(c.receipts->key());
  return out;
}

}  // namespace thidua::api
