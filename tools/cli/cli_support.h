#pragma once
// What every `thidua` command shares: its exit statuses, how it opens a data dir, and how it prints — JSON
// for machines (--json), aligned tables for people.

#include <google/protobuf/struct.pb.h>

#include <memory>
#include <string>
#include <vector>

#include "storage/event_log.h"

namespace thidua::cli {

// The exit statuses (docs/operations.md lists them).
enum exit_status : int {
  exit_ok = 0,
  exit_failed = 1,    // the work could not be done: the message says why and what to do
  exit_usage = 2,     // a bad command line, or a command the log refused (the code says why)
  exit_tampered = 3,  // verify found the history altered
};

// How a command opens the data dir.
enum class open_mode {
  read_only,  // never writes to what it reads; works beside a running server and on a backup
  write,      // needs the server stopped (RocksDB allows one writer)
  create,     // may start an empty log (only when asked for explicitly)
};

// Opens the log at `dir` for `command`; on failure prints why in plain words (a missing log, a server
// holding the dir) and returns null.
std::unique_ptr<storage::event_log> open_log(const std::string& command, const std::string& dir,
                                             open_mode mode);

// A message in the protobuf JSON mapping (proto field names), on one line: what the server reads and prints.
std::string json_of(const google::protobuf::Message& m);

// Prints `value` as JSON on standard output (one line, then a newline).
void print_json(const google::protobuf::Value& value);
void print_json(const google::protobuf::Struct& object);
google::protobuf::Value json_text(const std::string& s);
google::protobuf::Value json_number(double n);
google::protobuf::Value json_bool(bool b);

// Prints rows under a header, each column as wide as its widest cell (counted in characters, not bytes:
// Vietnamese names line up).
void print_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

// Prints "thidua <command>: <message>" on standard error.
void complain(const std::string& command, const std::string& message);

}  // namespace thidua::cli
