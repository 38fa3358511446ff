#include "domain/decider_support.h"

namespace thidua::domain {

std::string actor_names::actor_person(const pb::Actor& a) {
  std::string out;
  for (const std::string* part : {&a.rank(), &a.person_name()}) {
    if (part->empty()) continue;
    if (!out.empty()) out += ' ';
    out += *part;
  }
  if (!a.position().empty()) out += (out.empty() ? "" : ", ") + a.position();
  return out;
}

std::string actor_names::actor_role(const pb::Actor& a) {
  return pb::Role_Name(a.role());
}

}  // namespace thidua::domain
