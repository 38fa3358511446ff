#include <chrono>
#include <ctime>
#include <filesystem>

#include "api/app/errc.h"
#include "api/app/queries/query_context.h"
#include "domain/ids.h"

namespace thidua::api {
namespace {

// A subscription id's alphabet and length (domain/ids.h), and no leading dot: never "." or "..", never
// hidden.
bool valid_name(const std::string& n) {
  return domain::valid_subscription_id(n) && n.front() != '.';
}

std::string default_name(std::int64_t now_ms) {
  const std::time_t t = static_cast<std::time_t>(now_ms / 1000);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "thidua-%Y%m%dT%H%M%SZ", &utc);
  return buf;
}

}  // namespace

result<pb::QueryResult> create_backup(const query_context& c, const pb::CreateBackup& q,
                                      pb::QueryResult out) {
  namespace fs = std::filesystem;
  if (c.reader.role != domain::pb::ORGANIZER_OFFICE)
    return app_error(errc::forbidden, "create_backup", "only an organizer's office makes backups",
                     "Chỉ cơ quan thường trực thi đua được sao lưu dữ liệu");
  if (c.backup_dir.empty())
    return app_error(errc::unavailable, "create_backup",
                     "this server makes no backups: start it with --backup-dir",
                     "Máy chủ không được cấu hình thư mục sao lưu (--backup-dir)");
  if (!q.name().empty() && !valid_name(q.name()))
    return app_error(errc::invalid_field, "create_backup.name",
                     "name must be 1 to 64 of A-Z a-z 0-9 . _ -, not starting with a dot",
                     "Tên bản sao lưu gồm 1 đến 64 ký tự A-Z a-z 0-9 . _ -, không bắt đầu bằng dấu chấm");
  const std::string name = q.name().empty() ? default_name(c.now_ms) : q.name();
  const fs::path dir = fs::path(c.backup_dir) / name;
  std::error_code ec;
  if (fs::exists(dir, ec))
    return app_error(errc::already_exists, "create_backup.name",
                     "a backup named " + name + " exists in " + c.backup_dir + "; choose another name",
                     "Đã có bản sao lưu tên " + name + "; hãy chọn tên khác");
  fs::create_directories(c.backup_dir, ec);
  if (ec)
    return app_error(errc::unavailable, "create_backup",
                     "cannot create the backup dir " + c.backup_dir + ": " + ec.message(),
                     "Không tạo được thư mục sao lưu " + c.backup_dir);
  const auto started = std::chrono::steady_clock::now();
  if (auto r = c.log.backup_to(dir.string()); !r)
    return app_error(errc::unavailable, "create_backup", "the backup failed: " + r.error().message,
                     "Sao lưu không thành công");
  // What the copy holds, read from the copy itself (read-only: nothing in it changes).
  auto copy = storage::event_log::open(storage::log_options{.path = dir.string(), .read_only = true});
  if (!copy)
    return app_error(errc::unavailable, "create_backup",
                     "the backup in " + dir.string() + " does not open: " + copy.error().message,
                     "Bản sao lưu không mở được");
  auto& b = *out.mutable_backup();
  b.set_path(dir.string());
  b.set_head(copy.value()->head().value);
  if (b.head() > 0) {
    auto scanned = copy.value()->scan({b.head()}, {b.head()},
                                      [&](const storage::pb::EventRecord&, const storage::hash256& h) {
                                        b.set_head_hash(storage::to_hex(h));
                                        return false;
                                      });
    if (!scanned) return unreadable_log(scanned.error());
  }
  for (const auto& f : fs::recursive_directory_iterator(dir, ec))
    if (f.is_regular_file(ec)) {
      b.set_bytes(b.bytes() + f.file_size(ec));
      b.set_files(b.files() + 1);
    }
  b.set_seconds(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return out;
}

}  // namespace thidua::api
