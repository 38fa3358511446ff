#pragma once
// The event log on RocksDB (docs/storage.md).
//
// Operation: one log thread owns the tail (positions, versions, the hash chain). It takes everything queued,
// writes the records as one WriteBatch, syncs the WAL once for all of them (group commit), advances the
// durable head, and then hands the batch to listeners and completes its appends, in log order; whatever was
// queued meanwhile (including what those callbacks appended again) forms the next batch. While the sync runs,
// an index thread writes the batch's stream index and command ids (derived from the records; open rebuilds
// them if a crash came in between) and decodes the records for the listeners. Limits: see log_options.

#include "storage/event_log.h"
#include "storage/rocksdb/private.h"

namespace thidua::storage {

class rocksdb_log final : public event_log {
 public:
  static result<std::unique_ptr<event_log>> open(log_options options);
  static result<void> restore(const std::string& backup_dir, const std::string& data_dir,
                              const event_log::copy_progress& progress);
  ~rocksdb_log() override;

  void append_async(append_request request, append_callback done) override;
  result<std::optional<append_result>> find_command(std::string_view command_id) const override;
  position head() const override;
  result<stream_version> stream_head(std::string_view stream_id) const override;
  result<std::vector<event_ptr>> read_stream(std::string_view stream_id, stream_version from,
                                             std::size_t max) const override;
  result<std::vector<event_ptr>> read_all(position from, std::size_t max, direction dir) const override;
  result<position> scan(
      position from, position to,
      const std::function<bool(const pb::EventRecord&, const hash256&)>& visit) const override;
  result<position> scan_views(
      position from, position to,
      const std::function<bool(const record_view&, const hash256&)>& visit) const override;
  result<verify_report> verify(position from, position to) const override;
  std::uint64_t add_commit_listener(commit_listener listener) override;
  void remove_commit_listener(std::uint64_t id) override;
  result<void> commit_projection(std::string_view name, projection_batch& batch,
                                 position checkpoint) override;
  result<position> projection_checkpoint(std::string_view name) const override;
  result<std::optional<std::string>> projection_get(std::string_view name,
                                                    std::string_view key) const override;
  result<void> projection_scan_from(
      std::string_view name, std::string_view prefix, std::string_view from,
      const std::function<bool(std::string_view key, std::string_view value)>& visit) const override;
  result<void> reset_projection(std::string_view name) override;
  result<std::vector<timer_entry>> due_timers(std::int64_t up_to_ms, std::size_t max) const override;
  result<std::optional<std::int64_t>> next_timer_due() const override;
  result<bool> has_timer(const timer_entry& timer) const override;
  result<void> remove_timer(const timer_entry& timer) override;
  using event_log::backup_to;
  result<void> backup_to(const std::string& dir, const copy_progress& progress) const override;
  const log_options& options() const override;
  log_stats stats() const override;

  struct impl;

 private:
  explicit rocksdb_log(std::unique_ptr<impl> impl);
  std::unique_ptr<impl> impl_;
};

}  // namespace thidua::storage
