#pragma once
// `thidua export`: an audit query written to a file as CSV or NDJSON, exactly as GET /v1/audit.csv|.ndjson
// streams it for an organizer's office, a page at a time (constant memory), with progress on stderr.

#include <map>
#include <string>

#include "storage/event_log.h"
#include "tools/cli/server_link.h"

namespace thidua::cli {

// `options`: the command's options without their "--" (organizer, series, year, number, unit, person, role,
// types, from-date, to-date, from-position, to-position, format, out). Returns the exit status.
int export_command(const std::map<std::string, std::string>& options, storage::event_log& log);

// The same through a running server: GET /v1/audit.csv|.ndjson with the link's token (whose reading rights
// decide what is in it), streamed to the file as it comes.
int export_through_server(const std::map<std::string, std::string>& options, const server_link& link);

}  // namespace thidua::cli
