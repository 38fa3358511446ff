#pragma once
// The application's answers as ServerFrames, and how a command's answer counts in the metrics
// (thidua_commands_total{result}, from the error table's row).

#include <string>

#include "api/app/proto/commands.pb.h"
#include "api/app/proto/queries.pb.h"
#include "api/app/server_metrics.h"
#include "api/wire/proto/wire.pb.h"
#include "storage/result.h"

namespace thidua::api {

pb::ServerFrame error_frame(const std::string& request_id, pb::Error e);
pb::ServerFrame error_frame(const std::string& request_id, const error& e);
pb::ServerFrame reply_frame(const std::string& request_id, result<pb::CommandAccepted> r);
pb::ServerFrame reply_frame(const std::string& request_id, result<pb::QueryResult> r);

// What a command asks for, as its field is named ("sign_pledge", "register_unit", "token.issue"): for the
// access log.
std::string command_name(const pb::SubmitCommand& c);

server_metrics::command_outcome command_outcome_of(const result<pb::CommandAccepted>& r);

}  // namespace thidua::api
