#pragma once
// Command ids as the log keeps them. A client chooses its own command ids, so two clients may choose the same
// one: the engine keys each command by the scope of the caller that sent it (who may repeat it) and the id,
// so one caller's id can never answer for, or block, another's command.

#include <string>
#include <string_view>

namespace thidua::engine {

// A caller's scope: 1–64 bytes of a-z 0-9 ':' starting with a letter (e.g. "a:3f9a1c2b4d5e6f70" for an
// authenticated person of a unit, "cli" for the operator's command line, "server" for the server's own).
bool valid_scope(std::string_view scope);

// "<scope>/<id>": the command id the log keeps. With an empty scope, the id alone.
std::string scoped_command_id(std::string_view scope, std::string_view id);

// The client's id inside a stored command id: what follows its scope, or the whole id when it names no scope.
std::string_view client_command_id(std::string_view stored);

}  // namespace thidua::engine
