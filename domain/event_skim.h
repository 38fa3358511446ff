#pragma once
// Parsing a cycle's event without its narrative fields (domain/proto/options.proto): what a fold of state
// needs, at a fraction of the cost of the prose it skips. Only for folds: what a person reads (the audit, a
// cycle in full) parses the whole event.

#include <string_view>

#include "domain/proto/cycle.pb.h"

namespace thidua::domain {

// Parses `bytes` into `out` with every field marked narrative left empty; false when the bytes do not parse.
bool parse_skimmed(std::string_view bytes, pb::Event& out);

}  // namespace thidua::domain
