#include "storage/event_log.h"

#include <future>

#include "storage/rocksdb/rocksdb_log.h"

namespace thidua::storage {

result<std::unique_ptr<event_log>> event_log::open(log_options options) {
  return rocksdb_log::open(std::move(options));
}

result<void> event_log::restore(const std::string& backup_dir, const std::string& data_dir,
                                const copy_progress& progress) {
  return rocksdb_log::restore(backup_dir, data_dir, progress);
}

result<append_result> event_log::append(append_request request) {
  std::promise<result<append_result>> promise;
  auto future = promise.get_future();
  append_async(std::move(request), [&promise](result<append_result> r) { promise.set_value(std::move(r)); });
  return future.get();
}

std::string to_hex(const hash256& h) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(64);
  for (unsigned char b : h) {
    s.push_back(digits[b >> 4]);
    s.push_back(digits[b & 15]);
  }
  return s;
}

}  // namespace thidua::storage
