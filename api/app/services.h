#pragma once
// What the network sessions serve: the command and read services and the metrics they feed.

namespace thidua::api {

class command_service;
class read_service;
class server_metrics;

struct services {
  command_service* commands = nullptr;
  read_service* reads = nullptr;
  server_metrics* metrics = nullptr;
};

}  // namespace thidua::api
