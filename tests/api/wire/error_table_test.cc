// The one table from every layer's error to the wire: each value of storage::errc, engine::errc and api::errc
// has a row that a client can act on, and the rows say what docs/api.md promises.

#include "api/wire/error_table.h"

#include <gtest/gtest.h>

#include <memory>

#include "engine/errc.h"
#include "storage/errc.h"

namespace thidua::api {
namespace {

void expect_sound(const wire_error& w, const std::string& what) {
  EXPECT_FALSE(w.code.empty()) << what;
  EXPECT_GE(w.http_status, 400u) << what;
  EXPECT_LT(w.http_status, 600u) << what;
  EXPECT_TRUE(w.metric == "rejected" || w.metric == "failed") << what << ": " << w.metric;
  // A failure of ours is a 5xx; a refusal of the request a 4xx.
  EXPECT_EQ(w.metric == "failed", w.http_status >= 500) << what << " " << w.code;
  // Retry the same request only where something other than the request must change: load or the server.
  if (w.retryable) {
    EXPECT_TRUE(w.http_status == 429 || w.http_status == 503) << what << " " << w.code;
  }
  EXPECT_FALSE(w.message_vi.empty() && w.code != "REJECTED") << what << " " << w.code;
}

TEST(error_table, every_storage_engine_and_application_error_has_a_sound_row) {
  for (int v = 0; v <= static_cast<int>(storage::errc::chain_broken); ++v)
    expect_sound(wire_error_of(make_error(static_cast<storage::errc>(v))), "storage " + std::to_string(v));
  for (int v = 0; v <= static_cast<int>(engine::errc::busy); ++v)
    expect_sound(wire_error_of(make_error(static_cast<engine::errc>(v))), "engine " + std::to_string(v));
  for (int v = 0; v <= static_cast<int>(errc::already_exists); ++v)
    expect_sound(wire_error_of(static_cast<errc>(v)), "api " + std::to_string(v));
}

TEST(error_table, a_log_that_cannot_write_is_unavailable_and_retryable_never_the_clients_fault) {
  for (auto e : {storage::errc::log_poisoned, storage::errc::io_error, storage::errc::shutting_down,
                 storage::errc::corruption}) {
    const auto w = wire_error_of(make_error(e));
    EXPECT_EQ(w.code, "UNAVAILABLE");
    EXPECT_EQ(w.http_status, 503u);
    EXPECT_TRUE(w.retryable);
    EXPECT_EQ(w.metric, "failed");
  }
  EXPECT_EQ(wire_error_of(make_error(engine::errc::stopped)).code, "UNAVAILABLE");
}

TEST(error_table, the_requests_own_faults_are_rejections_that_name_their_field) {
  const auto version = to_wire(make_error(storage::errc::wrong_expected_version));
  EXPECT_EQ(version.code(), "WRONG_EXPECTED_VERSION");
  EXPECT_EQ(version.field(), "expected_version");
  EXPECT_EQ(wire_error_of(make_error(storage::errc::command_id_reused)).http_status, 409u);
  EXPECT_EQ(wire_error_of(make_error(storage::errc::event_too_large)).code, "INVALID_COMMAND");
  EXPECT_EQ(wire_error_of(make_error(engine::errc::busy)).http_status, 429u);
  EXPECT_EQ(wire_error_of(errc::unauthenticated).http_status, 401u);
  EXPECT_EQ(wire_error_of(errc::forbidden).http_status, 403u);
  EXPECT_EQ(wire_error_of(errc::not_found).http_status, 404u);
  EXPECT_EQ(wire_error_of(errc::read_model_behind).http_status, 503u);
}

TEST(error_table, a_deciders_refusal_keeps_its_code_field_and_vietnamese_message) {
  error e = make_error(engine::errc::rejected, "only the chair may do this");
  e.field = "launch.place";
  auto detail = std::make_shared<engine::rejection_detail>();
  detail->code = "NOT_CHAIR";
  detail->message_vi = "Chỉ đơn vị Cụm trưởng được thực hiện";
  e.detail = detail;
  const auto x = to_wire(e);
  EXPECT_EQ(x.code(), "NOT_CHAIR");
  EXPECT_EQ(x.field(), "launch.place");
  EXPECT_EQ(x.message(), "only the chair may do this");
  EXPECT_EQ(x.message_vi(), "Chỉ đơn vị Cụm trưởng được thực hiện");
  EXPECT_EQ(wire_error_of(e).metric, "rejected");
}

}  // namespace
}  // namespace thidua::api
