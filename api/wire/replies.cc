#include "api/wire/replies.h"

#include "api/wire/error_table.h"

namespace thidua::api {

pb::ServerFrame error_frame(const std::string& request_id, pb::Error e) {
  pb::ServerFrame f;
  f.set_request_id(request_id);
  *f.mutable_error() = std::move(e);
  return f;
}

pb::ServerFrame error_frame(const std::string& request_id, const error& e) {
  return error_frame(request_id, to_wire(e));
}

pb::ServerFrame reply_frame(const std::string& request_id, result<pb::CommandAccepted> r) {
  if (!r) return error_frame(request_id, r.error());
  pb::ServerFrame f;
  f.set_request_id(request_id);
  *f.mutable_accepted() = std::move(r).value();
  return f;
}

pb::ServerFrame reply_frame(const std::string& request_id, result<pb::QueryResult> r) {
  if (!r) return error_frame(request_id, r.error());
  pb::ServerFrame f;
  f.set_request_id(request_id);
  *f.mutable_result() = std::move(r).value();
  return f;
}

server_metrics::command_outcome command_outcome_of(const result<pb::CommandAccepted>& r) {
  using outcome = server_metrics::command_outcome;
  if (r) return r.value().duplicate() ? outcome::duplicate : outcome::accepted;
  return wire_error_of(r.error()).metric == "failed" ? outcome::failed : outcome::rejected;
}

}  // namespace thidua::api
