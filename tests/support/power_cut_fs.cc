#include "tests/support/power_cut_fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <vector>

namespace thidua::testing {
namespace {

namespace fs = std::filesystem;

// Paths are compared as text: one spelling per file, without a trailing separator.
std::string normal(const std::string& path) {
  std::string p = fs::path(path).lexically_normal().string();
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

std::string parent_of(const std::string& path) {
  return fs::path(path).parent_path().string();
}

bool is_wal_name(const std::string& path) {
  const std::string name = fs::path(path).filename().string();
  if (name.size() <= 4 || !name.ends_with(".log")) return false;
  return std::all_of(name.begin(), name.end() - 4, [](char c) { return c >= '0' && c <= '9'; });
}

std::uint64_t size_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::string read_range(const std::string& path, std::uint64_t offset, std::uint64_t len) {
  std::string out;
  if (len == 0) return out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  out.resize(len);
  std::uint64_t got = 0;
  while (got < len) {
    const ssize_t n = ::pread(fd, out.data() + got, len - got, static_cast<off_t>(offset + got));
    if (n <= 0) break;
    got += static_cast<std::uint64_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return out;
}

// The journal's entries, each `u32 length ‖ body`; a torn last entry (the writer killed in it) is ignored:
// its change was never made.
enum kind : char {
  write_kind = 'W',     // path, offset, size before, the bytes it overwrote
  sync_kind = 'S',      // path, covers: the file's writes journaled before `covers` are durable
  dir_sync_kind = 'D',  // dir, covers: its creates, renames and deletes journaled before `covers` are durable
  create_kind = 'C',    // path
  mkdir_kind = 'M',     // dir
  rmdir_kind = 'Y',     // dir
  rename_kind = 'R',    // from, to, where the file `to` named before is kept ("" if none)
  delete_kind = 'X',    // path, where it is kept
  link_kind = 'L',      // to
};

struct encoder {
  std::string b;
  encoder& u64(std::uint64_t v) {
    b.append(reinterpret_cast<const char*>(&v), sizeof v);
    return *this;
  }
  encoder& str(const std::string& s) {
    u64(s.size());
    b += s;
    return *this;
  }
};

struct decoder {
  const std::string& b;
  std::size_t at = 0;
  bool ok = true;
  std::uint64_t u64() {
    std::uint64_t v = 0;
    if (at + sizeof v > b.size()) {
      ok = false;
      return 0;
    }
    std::memcpy(&v, b.data() + at, sizeof v);
    at += sizeof v;
    return v;
  }
  std::string str() {
    const std::uint64_t n = u64();
    if (!ok || at + n > b.size()) {
      ok = false;
      return {};
    }
    std::string s = b.substr(at, n);
    at += n;
    return s;
  }
};

}  // namespace

struct power_cut_fs::journal {
  sync_lies lies;
  int fd = -1;
  std::string keep_dir;
  std::mutex mu;  // the journal's order is the order of the changes
  std::uint64_t next_seq = 0;
  std::uint64_t next_keep = 0;
  // Serializes creates, renames and deletes with directory syncs, so that a directory sync covers exactly
  // the changes journaled before it.
  std::mutex names_mu;

  std::uint64_t record(kind k, const encoder& e) {
    std::string entry(4 + 1, '\0');
    const auto len = static_cast<std::uint32_t>(1 + e.b.size());
    std::memcpy(entry.data(), &len, 4);
    entry[4] = k;
    entry += e.b;
    std::lock_guard lk(mu);
    std::size_t done = 0;
    while (done < entry.size()) {
      const ssize_t n = ::write(fd, entry.data() + done, entry.size() - done);
      if (n <= 0) std::abort();  // a test that cannot journal cannot tell the truth
      done += static_cast<std::size_t>(n);
    }
    return next_seq++;
  }

  std::uint64_t now() {
    std::lock_guard lk(mu);
    return next_seq;
  }

  // A hard link to what `path` holds now, for a rename over it or a delete to be undone.
  std::string keep(const std::string& path) {
    std::string name;
    {
      std::lock_guard lk(mu);
      name = keep_dir + "/" + std::to_string(next_keep++);
    }
    if (::link(path.c_str(), name.c_str()) != 0) std::abort();
    return name;
  }

  void write_entry(const std::string& path, std::uint64_t offset, std::uint64_t len,
                   std::uint64_t size_before) {
    const std::uint64_t overlap = offset < size_before ? std::min(len, size_before - offset) : 0;
    const std::string old = read_range(path, offset, overlap);
    const bool zeros = std::all_of(old.begin(), old.end(), [](char c) { return c == '\0'; });
    encoder e;
    e.str(path).u64(offset).u64(size_before).u64(old.size()).u64(zeros ? 1 : 0);
    if (!zeros) e.b += old;
    record(write_kind, e);
  }

  rocksdb::IOStatus sync(const std::string& path, bool lie, const std::function<rocksdb::IOStatus()>& real,
                         std::mutex& file_mu) {
    if (lie) return rocksdb::IOStatus::OK();
    std::uint64_t covers = 0;
    {
      std::lock_guard lk(file_mu);
      covers = now();
    }
    rocksdb::IOStatus s = real();
    if (s.ok()) record(sync_kind, encoder().str(path).u64(covers));
    return s;
  }
};

namespace {

using journal = power_cut_fs::journal;

// What both kinds of written file share: the journal, the path, and the lock that orders their writes before
// a sync's snapshot of the journal.
struct file_track {
  std::shared_ptr<journal> j;
  std::string path;
  std::mutex mu;
  rocksdb::IOStatus sync(const std::function<rocksdb::IOStatus()>& real) {
    return j->sync(path, j->lies.wal_files && is_wal_name(path), real, mu);
  }
};

class tracked_writable final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  tracked_writable(std::unique_ptr<rocksdb::FSWritableFile> file, std::shared_ptr<journal> j,
                   std::string path, std::uint64_t size)
      : FSWritableFileOwnerWrapper(std::move(file)), t_{std::move(j), std::move(path), {}}, size_(size) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                           rocksdb::IODebugContext* dbg) override {
    std::lock_guard lk(t_.mu);
    t_.j->write_entry(t_.path, size_, data.size(), size_);
    auto s = target()->Append(data, o, dbg);
    if (s.ok()) size_ += data.size();
    return s;
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                           const rocksdb::DataVerificationInfo&, rocksdb::IODebugContext* dbg) override {
    return Append(data, o, dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, std::uint64_t offset,
                                     const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
    std::lock_guard lk(t_.mu);
    t_.j->write_entry(t_.path, offset, data.size(), size_of(t_.path));
    auto s = target()->PositionedAppend(data, offset, o, dbg);
    if (s.ok()) size_ = std::max(size_, offset + data.size());
    return s;
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, std::uint64_t offset,
                                     const rocksdb::IOOptions& o, const rocksdb::DataVerificationInfo&,
                                     rocksdb::IODebugContext* dbg) override {
    return PositionedAppend(data, offset, o, dbg);
  }
  rocksdb::IOStatus Truncate(std::uint64_t size, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) override {
    std::lock_guard lk(t_.mu);
    const std::uint64_t before = size_of(t_.path);
    t_.j->write_entry(t_.path, std::min(size, before), before > size ? before - size : 0, before);
    auto s = target()->Truncate(size, o, dbg);
    if (s.ok()) size_ = size;
    return s;
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
    return t_.sync([&] { return target()->Sync(o, dbg); });
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
    return t_.sync([&] { return target()->Fsync(o, dbg); });
  }

 private:
  file_track t_;
  std::uint64_t size_;
};

class tracked_random_rw final : public rocksdb::FSRandomRWFileOwnerWrapper {
 public:
  tracked_random_rw(std::unique_ptr<rocksdb::FSRandomRWFile> file, std::shared_ptr<journal> j,
                    std::string path)
      : FSRandomRWFileOwnerWrapper(std::move(file)), t_{std::move(j), std::move(path), {}} {}

  rocksdb::IOStatus Write(std::uint64_t offset, const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                          rocksdb::IODebugContext* dbg) override {
    std::lock_guard lk(t_.mu);
    t_.j->write_entry(t_.path, offset, data.size(), size_of(t_.path));
    return target()->Write(offset, data, o, dbg);
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
    return t_.sync([&] { return target()->Sync(o, dbg); });
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
    return t_.sync([&] { return target()->Fsync(o, dbg); });
  }

 private:
  file_track t_;
};

class tracked_directory final : public rocksdb::FSDirectoryWrapper {
 public:
  tracked_directory(std::unique_ptr<rocksdb::FSDirectory> dir, std::shared_ptr<journal> j, std::string path)
      : FSDirectoryWrapper(std::move(dir)), j_(std::move(j)), path_(std::move(path)) {}

  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
    return sync([&] { return FSDirectoryWrapper::Fsync(o, dbg); });
  }
  rocksdb::IOStatus FsyncWithDirOptions(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg,
                                        const rocksdb::DirFsyncOptions& d) override {
    return sync([&] { return FSDirectoryWrapper::FsyncWithDirOptions(o, dbg, d); });
  }

 private:
  template <class F>
  rocksdb::IOStatus sync(F real) {
    if (j_->lies.directories) return rocksdb::IOStatus::OK();
    std::uint64_t covers = 0;
    {
      std::lock_guard lk(j_->names_mu);
      covers = j_->now();
    }
    rocksdb::IOStatus s = real();
    if (s.ok()) j_->record(dir_sync_kind, encoder().str(path_).u64(covers));
    return s;
  }
  std::shared_ptr<journal> j_;
  std::string path_;
};

}  // namespace

power_cut_fs::power_cut_fs(const std::string& journal_path, sync_lies lies)
    : FileSystemWrapper(rocksdb::FileSystem::Default()), journal_(std::make_shared<journal>()) {
  journal_->lies = lies;
  journal_->keep_dir = journal_path + ".keep";
  fs::create_directories(journal_->keep_dir);
  journal_->fd = ::open(journal_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (journal_->fd < 0) std::abort();
}

power_cut_fs::~power_cut_fs() {
  ::close(journal_->fd);
}

namespace {

// Opens a file through `open`, journaling first what the opening changes: the file's creation when it does
// not exist, its old bytes when the opening truncates it (O_TRUNC).
template <class Open>
rocksdb::IOStatus journaled_open(journal& j, const std::string& path, bool truncates, Open open) {
  std::lock_guard lk(j.names_mu);
  if (!exists(path))
    j.record(create_kind, encoder().str(path));
  else if (truncates)
    j.write_entry(path, 0, size_of(path), size_of(path));
  return open();
}

}  // namespace

rocksdb::IOStatus power_cut_fs::NewWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                                std::unique_ptr<rocksdb::FSWritableFile>* result,
                                                rocksdb::IODebugContext* dbg) {
  const std::string path = normal(fname);
  auto s = journaled_open(*journal_, path, true,
                          [&] { return target()->NewWritableFile(fname, options, result, dbg); });
  if (s.ok()) *result = std::make_unique<tracked_writable>(std::move(*result), journal_, path, 0);
  return s;
}

rocksdb::IOStatus power_cut_fs::ReopenWritableFile(const std::string& fname,
                                                   const rocksdb::FileOptions& options,
                                                   std::unique_ptr<rocksdb::FSWritableFile>* result,
                                                   rocksdb::IODebugContext* dbg) {
  const std::string path = normal(fname);
  auto s = journaled_open(*journal_, path, false,
                          [&] { return target()->ReopenWritableFile(fname, options, result, dbg); });
  if (s.ok()) *result = std::make_unique<tracked_writable>(std::move(*result), journal_, path, size_of(path));
  return s;
}

rocksdb::IOStatus power_cut_fs::ReuseWritableFile(const std::string&, const std::string&,
                                                  const rocksdb::FileOptions&,
                                                  std::unique_ptr<rocksdb::FSWritableFile>*,
                                                  rocksdb::IODebugContext*) {
  return rocksdb::IOStatus::NotSupported("the power-cut file system does not recycle files");
}

rocksdb::IOStatus power_cut_fs::NewRandomRWFile(const std::string& fname, const rocksdb::FileOptions& options,
                                                std::unique_ptr<rocksdb::FSRandomRWFile>* result,
                                                rocksdb::IODebugContext* dbg) {
  const std::string path = normal(fname);
  auto s = journaled_open(*journal_, path, false,
                          [&] { return target()->NewRandomRWFile(fname, options, result, dbg); });
  if (s.ok()) *result = std::make_unique<tracked_random_rw>(std::move(*result), journal_, path);
  return s;
}

rocksdb::IOStatus power_cut_fs::NewDirectory(const std::string& name, const rocksdb::IOOptions& options,
                                             std::unique_ptr<rocksdb::FSDirectory>* result,
                                             rocksdb::IODebugContext* dbg) {
  auto s = target()->NewDirectory(name, options, result, dbg);
  if (s.ok()) *result = std::make_unique<tracked_directory>(std::move(*result), journal_, normal(name));
  return s;
}

rocksdb::IOStatus power_cut_fs::RenameFile(const std::string& src, const std::string& dst,
                                           const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) {
  std::lock_guard lk(journal_->names_mu);
  const std::string to = normal(dst);
  const std::string kept = exists(to) ? journal_->keep(to) : std::string();
  journal_->record(rename_kind, encoder().str(normal(src)).str(to).str(kept));
  return target()->RenameFile(src, dst, options, dbg);
}

rocksdb::IOStatus power_cut_fs::LinkFile(const std::string& src, const std::string& dst,
                                         const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) {
  std::lock_guard lk(journal_->names_mu);
  journal_->record(link_kind, encoder().str(normal(dst)));
  return target()->LinkFile(src, dst, options, dbg);
}

rocksdb::IOStatus power_cut_fs::DeleteFile(const std::string& fname, const rocksdb::IOOptions& options,
                                           rocksdb::IODebugContext* dbg) {
  std::lock_guard lk(journal_->names_mu);
  const std::string path = normal(fname);
  if (!exists(path)) return target()->DeleteFile(fname, options, dbg);
  journal_->record(delete_kind, encoder().str(path).str(journal_->keep(path)));
  return target()->DeleteFile(fname, options, dbg);
}

rocksdb::IOStatus power_cut_fs::CreateDir(const std::string& dirname, const rocksdb::IOOptions& options,
                                          rocksdb::IODebugContext* dbg) {
  return CreateDirIfMissing(dirname, options, dbg);
}

rocksdb::IOStatus power_cut_fs::CreateDirIfMissing(const std::string& dirname,
                                                   const rocksdb::IOOptions& options,
                                                   rocksdb::IODebugContext* dbg) {
  std::lock_guard lk(journal_->names_mu);
  if (!exists(dirname)) journal_->record(mkdir_kind, encoder().str(normal(dirname)));
  return target()->CreateDirIfMissing(dirname, options, dbg);
}

rocksdb::IOStatus power_cut_fs::DeleteDir(const std::string& dirname, const rocksdb::IOOptions& options,
                                          rocksdb::IODebugContext* dbg) {
  std::lock_guard lk(journal_->names_mu);
  journal_->record(rmdir_kind, encoder().str(normal(dirname)));
  return target()->DeleteDir(dirname, options, dbg);
}

namespace {

struct entry {
  char kind = 0;
  std::uint64_t seq = 0;
  std::string a, b, kept, old;
  std::uint64_t offset = 0, size_before = 0, old_len = 0, covers = 0;
  bool zeros = false;
  int id = -1, prev_id = -1;  // the file's identity, which follows it through renames
};

bool parse(const std::string& all, std::vector<entry>& out) {
  std::size_t at = 0;
  while (at + 5 <= all.size()) {
    std::uint32_t len = 0;
    std::memcpy(&len, all.data() + at, 4);
    if (len == 0 || at + 4 + len > all.size()) break;  // torn: never made
    const std::string body = all.substr(at + 5, len - 1);
    entry e;
    e.kind = all[at + 4];
    e.seq = out.size();
    decoder d{body};
    switch (e.kind) {
      case write_kind:
        e.a = d.str();
        e.offset = d.u64();
        e.size_before = d.u64();
        e.old_len = d.u64();
        e.zeros = d.u64() != 0;
        if (!e.zeros) e.old = body.substr(d.at);
        if (!e.zeros && e.old.size() != e.old_len) return false;
        break;
      case sync_kind:
      case dir_sync_kind:
        e.a = d.str();
        e.covers = d.u64();
        break;
      case rename_kind:
        e.a = d.str();
        e.b = d.str();
        e.kept = d.str();
        break;
      case delete_kind:
        e.a = d.str();
        e.kept = d.str();
        break;
      case create_kind:
      case mkdir_kind:
      case rmdir_kind:
      case link_kind:
        e.a = d.str();
        break;
      default:
        return false;
    }
    if (!d.ok) return false;
    out.push_back(std::move(e));
    at += 4 + len;
  }
  return true;
}

bool restore_bytes(const entry& e, const std::string& path) {
  if (::truncate(path.c_str(), static_cast<off_t>(e.size_before)) != 0) return false;
  if (e.old_len == 0) return true;
  const std::string bytes = e.zeros ? std::string(e.old_len, '\0') : e.old;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(e.offset)) ==
                  static_cast<ssize_t>(bytes.size());
  ::close(fd);
  return ok;
}

}  // namespace

power_cut_report cut_power(const std::string& journal_path) {
  power_cut_report report;
  std::string all;
  {
    const int fd = ::open(journal_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      report.error = "no journal at " + journal_path;
      return report;
    }
    char buf[1 << 16];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) all.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
  }
  std::vector<entry> entries;
  if (!parse(all, entries)) {
    report.error = "the journal at " + journal_path + " is damaged";
    return report;
  }
  report.entries = entries.size();

  // Forward: which file each entry is about, and how far each file and directory was synced.
  std::map<std::string, int> id_of;
  int next_id = 0;
  const auto id_for = [&](const std::string& path) {
    auto it = id_of.find(path);
    if (it == id_of.end()) it = id_of.emplace(path, next_id++).first;
    return it->second;
  };
  std::map<int, std::uint64_t> file_synced;
  std::map<std::string, std::uint64_t> dir_synced;
  for (auto& e : entries) {
    switch (e.kind) {
      case write_kind:
        e.id = id_for(e.a);
        break;
      case sync_kind: {
        auto& s = file_synced[id_for(e.a)];
        s = std::max(s, e.covers);
        break;
      }
      case dir_sync_kind: {
        auto& s = dir_synced[e.a];
        s = std::max(s, e.covers);
        break;
      }
      case create_kind:
        e.id = next_id++;
        id_of[e.a] = e.id;
        break;
      case rename_kind:
        e.id = id_for(e.a);
        if (!e.kept.empty()) e.prev_id = id_for(e.b);
        id_of.erase(e.a);
        id_of[e.b] = e.id;
        break;
      case delete_kind:
        e.id = id_for(e.a);
        id_of.erase(e.a);
        break;
      case link_kind:
        e.id = next_id++;
        id_of[e.a] = e.id;
        break;
      default:
        break;
    }
  }
  std::map<int, std::string> path_of;
  for (const auto& [path, id] : id_of) path_of[id] = path;
  const auto dir_durable = [&](const std::string& path, std::uint64_t seq) {
    auto it = dir_synced.find(parent_of(path));
    return it != dir_synced.end() && it->second > seq;
  };

  // Backward: undo what was not durable, newest first, so that each undo finds the file where it was then.
  bool ok = true;
  std::error_code ec;
  for (auto it = entries.rbegin(); it != entries.rend() && ok; ++it) {
    const entry& e = *it;
    switch (e.kind) {
      case write_kind: {
        auto s = file_synced.find(e.id);
        if (s != file_synced.end() && s->second > e.seq) break;
        auto p = path_of.find(e.id);
        if (p == path_of.end() || !exists(p->second)) break;
        ok = restore_bytes(e, p->second);
        ++report.writes_dropped;
        break;
      }
      case create_kind:
      case link_kind:
        if (dir_durable(e.a, e.seq)) break;
        if (auto p = path_of.find(e.id); p != path_of.end()) {
          fs::remove(p->second, ec);
          path_of.erase(p);
        }
        ++report.names_undone;
        break;
      case rename_kind:
        if (dir_durable(e.b, e.seq)) break;
        ok = ::rename(e.b.c_str(), e.a.c_str()) == 0;
        path_of[e.id] = e.a;
        if (!e.kept.empty()) {
          ok = ok && ::link(e.kept.c_str(), e.b.c_str()) == 0;
          path_of[e.prev_id] = e.b;
        }
        ++report.names_undone;
        report.renames_undone.emplace_back(e.a, e.b);
        break;
      case delete_kind:
        if (dir_durable(e.a, e.seq)) break;
        ok = ::link(e.kept.c_str(), e.a.c_str()) == 0;
        path_of[e.id] = e.a;
        ++report.names_undone;
        break;
      case mkdir_kind:
        if (dir_durable(e.a, e.seq)) break;
        fs::remove_all(e.a, ec);
        ++report.names_undone;
        break;
      case rmdir_kind:
        if (dir_durable(e.a, e.seq)) break;
        fs::create_directory(e.a, ec);
        ++report.names_undone;
        break;
      default:
        break;
    }
    if (!ok) report.error = std::string("could not undo a change of kind ") + e.kind + " to " + e.a;
  }
  fs::remove(journal_path, ec);
  fs::remove_all(journal_path + ".keep", ec);
  return report;
}

}  // namespace thidua::testing
