#pragma once
// Who has read which notices of an inbox, as a decider (engine/decider.h): one stream per inbox
// ("inbox/<inbox>"), so marking read is recorded, audited and survives a restart. It records only changes: a
// notice marked read twice is one NoticesRead. That the positions are notices of the inbox is the command
// service's check (it reads the inbox read model); this says what a well-formed marking is.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "api/app/proto/inbox.pb.h"
#include "domain/decider_support.h"
#include "domain/proto/cycle.pb.h"
#include "domain/rejection.h"
#include "domain/streams.h"

namespace thidua::api {

// Positions one command may mark.
inline constexpr std::size_t max_marked_notices = 1000;

struct inbox_reads {
  std::map<std::string, std::set<std::uint64_t>> read_by;  // person → positions read
};

struct inbox_decider : domain::protobuf_decider<inbox_reads, pb::InboxCommand, pb::InboxEvent,
                                                domain::pb::Actor, domain::rejection>,
                       domain::actor_names {
  static std::string stream_of(const command& c) { return domain::inbox_stream(c.inbox()); }
  static decision decide(const state& s, const command& c, const actor& a, std::int64_t now_ms);
  static state evolve(state s, const event& e);
  static std::string event_type(const event& e);
  static std::optional<event> decode(std::string_view type, std::string_view bytes);
};

// The inbox a token reads and marks: its unit's, or for an organizer's office "office:<organizer>".
std::string inbox_of(const domain::pb::Actor& a);

}  // namespace thidua::api
