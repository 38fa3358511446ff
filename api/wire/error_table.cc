#include "api/wire/error_table.h"

#include "engine/errc.h"
#include "storage/errc.h"

namespace thidua::api {
namespace {

constexpr std::string_view unavailable_vi =
    "Máy chủ tạm thời không ghi được sổ sự kiện; vui lòng gửi lại sau";
constexpr std::string_view internal_vi = "Máy chủ gặp lỗi; không có gì bị thay đổi";
constexpr std::string_view busy_vi =
    "Có quá nhiều lệnh đang chờ trên chu kỳ này; vui lòng gửi lại sau giây lát";

constexpr wire_error internal{"INTERNAL", 500, false, "failed", "", internal_vi};
constexpr wire_error unavailable{"UNAVAILABLE", 503, true, "failed", "", unavailable_vi};
constexpr wire_error busy{"BUSY", 429, true, "rejected", "", busy_vi};

wire_error row(storage::errc e) {
  using storage::errc;
  switch (e) {
    case errc::wrong_expected_version:
      return {"WRONG_EXPECTED_VERSION",
              409,
              false,
              "rejected",
              "expected_version",
              "Chu kỳ (hoặc danh mục) đã có thay đổi mới so với phiên bản mong đợi (expected_version); hãy "
              "đọc lại rồi gửi lại"};
    case errc::command_id_reused:
      return {"COMMAND_ID_REUSED",
              409,
              false,
              "rejected",
              "command.command_id",
              "Mã lệnh này đã được dùng cho một lệnh khác; mỗi lệnh mới cần một mã lệnh mới"};
    case errc::invalid_stream_id:
    case errc::invalid_command_id:
    case errc::invalid_event_type:
    case errc::too_many_events:
    case errc::event_too_large:
    case errc::empty_append:
    case errc::invalid_argument:
      return {"INVALID_COMMAND", 400, false, "rejected", "", "Sổ sự kiện không nhận lệnh này"};
    // The log could not take the command now: the command was fine.
    case errc::log_poisoned:
    case errc::io_error:
    case errc::corruption:
    case errc::shutting_down:
    case errc::read_only:
      return unavailable;
    // An earlier command of the same stream wrote nothing and the engine ran out of new tries.
    case errc::chain_broken:
      return busy;
    case errc::ok:
    case errc::not_found:
    case errc::tampered:
    case errc::locked:  // only ever at open, before anything is served
      return internal;
  }
  return internal;
}

wire_error row(engine::errc e) {
  using engine::errc;
  switch (e) {
    case errc::rejected:
      return {"REJECTED", 400, false, "rejected", "", ""};
    case errc::busy:
    case errc::conflict_retries_exhausted:
      return busy;
    case errc::timeout:
    case errc::stopped:
      return unavailable;
    case errc::ok:
    case errc::undecodable_event:
      return internal;
  }
  return internal;
}

wire_error row(errc e) {
  switch (e) {
    case errc::missing_field:
      return {"MISSING_FIELD", 400, false, "rejected", "", "Thiếu trường bắt buộc"};
    case errc::invalid_field:
      return {"INVALID_FIELD", 400, false, "rejected", "", "Trường không hợp lệ"};
    case errc::malformed_frame:
      return {"MALFORMED_FRAME", 400, false, "rejected", "frame", "Khung tin không đúng định dạng"};
    case errc::bad_request:
      return {"BAD_REQUEST", 400, false, "rejected", "", "Yêu cầu không đúng định dạng"};
    case errc::method_not_allowed:
      return {"METHOD_NOT_ALLOWED", 405, false, "rejected", "method", "Phương thức không được hỗ trợ"};
    case errc::unauthenticated:
      return {"UNAUTHENTICATED", 401, false, "rejected", "token", "Token không hợp lệ hoặc đã bị thu hồi"};
    case errc::forbidden:
      return {"FORBIDDEN", 403, false, "rejected", "", "Token này không được phép"};
    case errc::not_found:
      return {"NOT_FOUND", 404, false, "rejected", "", "Không tìm thấy"};
    case errc::duplicate_subscription:
      return {"DUPLICATE_SUBSCRIPTION",
              409,
              false,
              "rejected",
              "subscribe.subscription_id",
              "Kết nối đã có đăng ký theo dõi với mã này"};
    case errc::too_many_subscriptions:
      return {"TOO_MANY_SUBSCRIPTIONS",
              429,
              false,
              "rejected",
              "subscribe",
              "Kết nối đã đạt số đăng ký theo dõi tối đa"};
    case errc::rate_limited:
      return {"RATE_LIMITED", 429, true, "rejected", "frame", "Gửi quá nhiều khung tin; vui lòng chậm lại"};
    case errc::read_model_behind:
      return {"READ_MODEL_BEHIND",
              503,
              true,
              "failed",
              "at_least_position",
              "Dữ liệu đọc chưa cập nhật tới vị trí yêu cầu; vui lòng thử lại"};
    case errc::unavailable:
      return unavailable;
    case errc::already_exists:
      return {"ALREADY_EXISTS", 409, false, "rejected", "", "Đã tồn tại"};
    case errc::ok:
    case errc::internal:
      return internal;
  }
  return internal;
}

}  // namespace

wire_error wire_error_of(const error& e) {
  if (e.code.category() == storage::storage_category())
    return row(static_cast<storage::errc>(e.code.value()));
  if (e.code.category() == api_category()) return row(static_cast<errc>(e.code.value()));
  if (e.code.category() == engine::engine_category()) {
    wire_error w = row(static_cast<engine::errc>(e.code.value()));
    if (const auto* r = engine::rejection_of(e)) {
      w.code = r->code;
      w.message_vi = r->message_vi;
      // A decider's refusal of who asks (a token managing a token beyond its reach) is HTTP's 403.
      if (w.code == "FORBIDDEN") w.http_status = 403;
    }
    return w;
  }
  return internal;
}

wire_error wire_error_of(errc e) {
  return row(e);
}

pb::Error to_wire(const error& e) {
  const wire_error w = wire_error_of(e);
  pb::Error x;
  x.set_code(std::string(w.code));
  x.set_field(e.field.empty() ? std::string(w.field) : e.field);
  x.set_message(e.message);
  if (const std::string* vi = message_vi_of(e)) {
    x.set_message_vi(*vi);
  } else {
    x.set_message_vi(w.message_vi.empty() ? e.message : std::string(w.message_vi));
  }
  x.set_actual_version(e.actual_version);
  return x;
}

pb::Error api_error(errc code, std::string field, std::string en, std::string vi) {
  return to_wire(app_error(code, std::move(field), std::move(en), std::move(vi)));
}

}  // namespace thidua::api
