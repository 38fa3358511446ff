#include "api/app/first_office_token.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "api/app/token_registry.h"
#include "engine/command_pipeline.h"

namespace thidua::api {
namespace {

error os_error(const std::string& what) {
  return make_error(std::error_code(errno, std::generic_category()), what);
}

// Writes `text` to `path` (replaced if there; mode 0600) and syncs it and its directory.
result<void> write_private(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return os_error("writing the first office token to " + path);
  const bool written = ::fchmod(fd, 0600) == 0 &&
                       ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  const error failed = os_error("writing the first office token to " + path);
  ::close(fd);
  if (!written) return failed;
  const std::string dir = std::filesystem::path(path).parent_path().string();
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return success();
}

}  // namespace

bool parse_first_office(const std::string& text, first_office& into) {
  const auto slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == text.size() ||
      text.find('/', slash + 1) != std::string::npos)
    return false;
  into.organizer_id = text.substr(0, slash);
  into.unit_id = text.substr(slash + 1);
  return true;
}

result<bool> issue_first_office_token(storage::event_log& log, const first_office& office,
                                      std::int64_t now_ms, const std::string& secret_file) {
  auto issued = log.read_stream("tokens", {1}, 1);
  if (!issued) return issued.error();
  if (!issued.value().empty()) return false;
  const std::string secret = new_token_secret();
  if (auto w = write_private(secret_file,
                             "# the first organizer's office token of this server: keep it, then "
                             "delete this file\n" +
                                 secret + "\n");
      !w)
    return w.error();
  pb::TokenCommand c;
  auto* g = c.mutable_issue();
  g->set_token_id("tk-first-office");
  g->set_sha256(token_hash(secret));
  g->set_unit_id(office.unit_id);
  g->set_person_name(office.person);
  g->set_role("ORGANIZER_OFFICE");
  g->set_organizer_id(office.organizer_id);
  engine::command_pipeline<token_decider> tokens(log);
  auto r = tokens.execute(
      {"first-office-token", {"thidua-server", nullptr}, c, now_ms, std::nullopt, {}, {}, "server"});
  if (!r) return r.error();
  return true;
}

}  // namespace thidua::api
