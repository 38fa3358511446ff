#pragma once
// An audit query's entries as a file people open: CSV (UTF-8 with a byte-order mark, so that Excel shows
// Vietnamese correctly; RFC 4180 quoting, CRLF lines) or NDJSON (one AuditEntry in the JSON mapping per
// line). docs/api.md, "Export".

#include <string>
#include <string_view>

#include "api/app/proto/queries.pb.h"

namespace thidua::api {

enum class export_format { csv, ndjson };

// What comes before the first entry: for CSV the byte-order mark and the header line; nothing for NDJSON.
std::string export_preamble(export_format f);
// The entries of one page, each a line.
std::string export_rows(export_format f, const pb::QueryResult& page);
// The Content-Type of the format.
const char* export_content_type(export_format f);

// One CSV field, quoted when it must be (a comma, a quote, CR or LF), quotes doubled.
std::string csv_field(std::string_view value);
void append_csv_field(std::string& out, std::string_view value);

}  // namespace thidua::api
