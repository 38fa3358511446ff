// thidua-server: the event log, the engine and the network API in one process.

#include "api/server/server_run.h"

int main(int argc, char** argv) {
  return thidua::api::run_server(argc, argv);
}
