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

std::string command_name(const pb::SubmitCommand& c) {
  const google::protobuf::Message* body = nullptr;
  if (c.has_cycle()) body = &c.cycle();
  if (c.has_registry()) body = &c.registry();
  if (c.has_token()) body = &c.token();
  if (c.has_inbox()) body = &c.inbox();
  if (c.has_webhook()) body = &c.webhook();
  if (!body) return "none";
  const auto* action = body->GetDescriptor()->FindOneofByName("action");
  const auto* set = action ? body->GetReflection()->GetOneofFieldDescriptor(*body, action) : nullptr;
  if (!set) return "none";
  if (c.has_token()) return "token." + set->name();
  if (c.has_webhook()) return "webhook." + set->name();
  return c.has_inbox() ? "inbox." + set->name() : set->name();
}

server_metrics::command_outcome command_outcome_of(const result<pb::CommandAccepted>& r) {
  using outcome = server_metrics::command_outcome;
  if (r) return r.value().duplicate() ? outcome::duplicate : outcome::accepted;
  return wire_error_of(r.error()).metric == "failed" ? outcome::failed : outcome::rejected;
}

}  // namespace thidua::api
