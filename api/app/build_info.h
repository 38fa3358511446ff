#pragma once
// What was built: the project's version and the git commit it was built from ("unknown" outside a git
// checkout, "-dirty" after it when the tree had uncommitted changes). Shown by --version, in the server's
// first log line and as the thidua_build_info metric.

namespace thidua::api {

const char* build_version();
const char* build_commit();

}  // namespace thidua::api
