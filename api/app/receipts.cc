#include "api/app/receipts.h"

#include <algorithm>

#include "api/app/errc.h"
#include "api/app/hex.h"
#include "api/app/vietnam_time.h"

namespace thidua::api {
namespace {

pb::ReceiptCheck refused(std::string en, std::string vi) {
  pb::ReceiptCheck c;
  c.set_ok(false);
  c.set_problem(std::move(en));
  c.set_problem_vi(std::move(vi));
  return c;
}

error unreadable(const error& e) {
  return app_error(errc::internal, "log", "the log could not be read: " + e.message,
                   "Không đọc được sổ sự kiện");
}

}  // namespace

std::string receipt_signed_text(const pb::Receipt& r) {
  return "format: " + r.format() + "\nposition: " + std::to_string(r.position()) +
         "\nhead_hash: " + r.head_hash() + "\nissued_at_ms: " + std::to_string(r.issued_at_ms()) +
         "\nissued_at: " + r.issued_at() + "\nkey_id: " + r.key_id() + "\n";
}

result<pb::Verification> verify_log(const storage::event_log& log, std::uint64_t from, std::uint64_t to) {
  const std::uint64_t head = log.head().value;
  from = std::max<std::uint64_t>(from, 1);
  if (to == 0 || to > head) to = head;
  if (from > to && head > 0)
    return app_error(errc::invalid_field, "verify_log.from_position",
                     "from_position " + std::to_string(from) + " is after to_position " + std::to_string(to) +
                         " (the head is " + std::to_string(head) + ")",
                     "Vị trí bắt đầu phải không lớn hơn vị trí kết thúc");
  pb::Verification v;
  v.set_from_position(from);
  if (head == 0) {
    v.set_ok(true);
    return v;
  }
  auto report = log.verify({from}, {to});
  if (!report) return unreadable(report.error());
  v.set_ok(report.value().ok);
  v.set_records(report.value().records);
  if (report.value().records > 0) {
    v.set_verified_to(report.value().last_checked.value);
    v.set_verified_hash(storage::to_hex(report.value().last_hash));
  }
  if (!report.value().ok) {
    v.set_first_bad_position(report.value().first_bad.value);
    v.set_problem(report.value().what);
  }
  return v;
}

result<pb::ReceiptCheck> check_receipt(const storage::event_log& log, const pb::Receipt& r,
                                       const receipt_key& key) {
  if (r.format() != receipt_format)
    return app_error(errc::invalid_field, "receipt.format",
                     "the receipt's format must be \"" + std::string(receipt_format) + "\"",
                     "Định dạng biên nhận không được hỗ trợ");
  if (r.position() == 0)
    return app_error(errc::invalid_field, "receipt.position", "a receipt names a position from 1",
                     "Biên nhận phải nêu vị trí từ 1 trở lên");
  if (!is_hex64(r.head_hash()))
    return app_error(errc::invalid_field, "receipt.head_hash", "head_hash must be 64 lower-case hex digits",
                     "head_hash phải gồm 64 chữ số thập lục phân viết thường");
  std::string signature;
  if (!base64_decode(r.signature(), signature) || signature.size() != 64)
    return app_error(errc::invalid_field, "receipt.signature",
                     "signature must be the base64 of a 64-byte Ed25519 signature",
                     "Chữ ký phải là base64 của chữ ký Ed25519 dài 64 byte");
  if (r.key_id() != key.key_id())
    return refused("the receipt was signed with key " + r.key_id() + ", not with " + key.key_id(),
                   "Biên nhận được ký bằng khóa " + r.key_id() + ", không phải khóa " + key.key_id());
  if (!key.verifies(receipt_signed_text(r), signature))
    return refused("the signature does not match: the receipt was altered or not issued with this key",
                   "Chữ ký không khớp: biên nhận đã bị sửa hoặc không do khóa này cấp");
  const std::uint64_t head = log.head().value;
  if (r.position() > head)
    return refused("the log ends at position " + std::to_string(head) + ", before the receipt's position " +
                       std::to_string(r.position()) + ": records were removed",
                   "Sổ sự kiện chỉ tới vị trí " + std::to_string(head) + ", trước vị trí " +
                       std::to_string(r.position()) + " của biên nhận: bản ghi đã bị xóa");
  auto chain = verify_log(log, 1, r.position());
  if (!chain) return chain.error();
  pb::ReceiptCheck c;
  *c.mutable_chain() = chain.value();
  if (!chain.value().ok()) {
    c.set_problem("the chain breaks at position " + std::to_string(chain.value().first_bad_position()) +
                  ": " + chain.value().problem());
    c.set_problem_vi("Chuỗi băm đứt tại vị trí " + std::to_string(chain.value().first_bad_position()) +
                     ": lịch sử trước biên nhận đã bị sửa");
    return c;
  }
  if (chain.value().verified_hash() != r.head_hash()) {
    c.set_problem("the record at position " + std::to_string(r.position()) + " has hash " +
                  chain.value().verified_hash() + ", the receipt says " + r.head_hash() +
                  ": the history up to the receipt was rewritten");
    c.set_problem_vi("Bản ghi tại vị trí " + std::to_string(r.position()) +
                     " có mã băm khác với biên nhận: lịch sử trước biên nhận đã bị viết lại");
    return c;
  }
  c.set_ok(true);
  return c;
}

pb::ReceiptKey receipt_key_message(const receipt_key& key) {
  pb::ReceiptKey m;
  m.set_algorithm("Ed25519");
  m.set_key_id(key.key_id());
  m.set_public_key_pem(key.public_pem());
  m.set_public_key_hex(key.public_hex());
  return m;
}

result<pb::Receipt> receipt_desk::issue(std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  const std::uint64_t head = log_.head().value;
  if (head == 0)
    return app_error(errc::not_found, "issue_receipt", "the log is empty: there is nothing to vouch for",
                     "Sổ sự kiện còn trống: chưa có gì để xác nhận");
  auto chain = verify_log(log_, verified_to_ + 1 > head ? head : verified_to_ + 1, head);
  if (!chain) return chain.error();
  if (!chain.value().ok())
    return app_error(errc::internal, "issue_receipt",
                     "no receipt: the chain breaks at position " +
                         std::to_string(chain.value().first_bad_position()) + " (" + chain.value().problem() +
                         "); the operator must run thidua verify",
                     "Không cấp biên nhận: chuỗi băm đứt tại vị trí " +
                         std::to_string(chain.value().first_bad_position()));
  verified_to_ = head;
  pb::Receipt r;
  r.set_format(receipt_format);
  r.set_position(head);
  r.set_head_hash(chain.value().verified_hash());
  r.set_issued_at_ms(now_ms);
  r.set_issued_at(vietnam_time(now_ms));
  r.set_key_id(key_.key_id());
  auto sig = key_.sign(receipt_signed_text(r));
  if (!sig) return sig.error();
  r.set_signature(base64_encode(sig.value()));
  return r;
}

}  // namespace thidua::api
