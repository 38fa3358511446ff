#include "api/app/queries/query_context.h"
#include "domain/views.h"

namespace thidua::api {

result<pb::QueryResult> list_clusters(const query_context& c, const pb::ListClusters& q,
                                      pb::QueryResult out) {
  if (!optional_entity_id_ok(q.organizer_id()))
    return invalid("list_clusters.organizer_id", "not a valid organizer id",
                   "Mã đơn vị tổ chức không hợp lệ");
  if (!optional_entity_id_ok(q.series()))
    return invalid("list_clusters.series", "not a valid series", "Mã khối thi đua không hợp lệ");
  std::string prefix(domain::cluster_view_prefix);
  if (!q.organizer_id().empty()) prefix += q.organizer_id() + "/";
  if (!q.organizer_id().empty() && !q.series().empty()) prefix += q.series() + "/";
  auto scanned = c.scan_views(prefix, [&](std::string_view v) {
    domain::pb::ClusterView cluster;
    if (cluster.ParseFromArray(v.data(), static_cast<int>(v.size())) &&
        (q.series().empty() || cluster.series() == q.series()))
      *out.add_clusters() = std::move(cluster);
  });
  if (!scanned) return scanned.error();
  return out;
}

}  // namespace thidua::api
