#include "engine/command_id.h"

#include <algorithm>

namespace thidua::engine {

bool valid_scope(std::string_view scope) {
  return !scope.empty() && scope.size() <= 64 && scope[0] >= 'a' && scope[0] <= 'z' &&
         std::all_of(scope.begin(), scope.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ':'; });
}

std::string scoped_command_id(std::string_view scope, std::string_view id) {
  std::string out;
  out.reserve(scope.size() + 1 + id.size());
  if (!scope.empty()) out.append(scope).push_back('/');
  out.append(id);
  return out;
}

std::string_view client_command_id(std::string_view stored) {
  const auto slash = stored.find('/');
  if (slash == std::string_view::npos || !valid_scope(stored.substr(0, slash))) return stored;
  return stored.substr(slash + 1);
}

}  // namespace thidua::engine
