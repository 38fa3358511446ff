#pragma once
// Opens a closed log's RocksDB directly, to alter bytes behind the log's back.

#include <rocksdb/db.h>

#include <memory>
#include <string>
#include <vector>

#include "storage/rocksdb/keys.h"

namespace thidua::testing {

class raw_db {
 public:
  explicit raw_db(const std::string& path) {
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (std::string_view n : storage::keys::column_families)
      cfs.emplace_back(std::string(n), rocksdb::ColumnFamilyOptions());
    rocksdb::DB* db = nullptr;
    status_ = rocksdb::DB::Open(rocksdb::Options(), path, cfs, &handles_, &db);
    db_.reset(db);
  }
  ~raw_db() {
    for (auto* h : handles_) (void)db_->DestroyColumnFamilyHandle(h);
    if (db_) (void)db_->Close();
  }
  bool ok() const { return status_.ok(); }
  rocksdb::DB* db() { return db_.get(); }
  rocksdb::ColumnFamilyHandle* events() { return handles_[1]; }
  rocksdb::ColumnFamilyHandle* streams() { return handles_[2]; }
  rocksdb::ColumnFamilyHandle* commands() { return handles_[3]; }
  rocksdb::ColumnFamilyHandle* meta() { return handles_[7]; }

 private:
  rocksdb::Status status_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

}  // namespace thidua::testing
