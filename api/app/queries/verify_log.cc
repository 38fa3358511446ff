#include "api/app/queries/query_context.h"
#include "api/app/receipts.h"

namespace thidua::api {

result<pb::QueryResult> verify_log(const query_context& c, const pb::VerifyLog& q, pb::QueryResult out) {
  auto v = verify_log(c.log, q.from_position(), q.to_position());
  if (!v) return v.error();
  *out.mutable_verification() = std::move(v).value();
  return out;
}

}  // namespace thidua::api
