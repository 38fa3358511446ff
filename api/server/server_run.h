#pragma once
// The whole server, from its command line to its exit status: thidua-server's main, and tests that run the
// same server on a file system of their own (tests/api/power_cut_server.cc).

#include <memory>

namespace rocksdb {
class FileSystem;
}

namespace thidua::api {

// `file_system`: what the event log is written on; null, the operating system's.
int run_server(int argc, char** argv, std::shared_ptr<rocksdb::FileSystem> file_system = nullptr);

}  // namespace thidua::api
