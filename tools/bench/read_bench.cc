// thidua-bench read: the read side on a big log — building the catalog read model, "as of" answers, a unit's
// year in the audit, and exporting — each beside a raw RocksDB scan of the same log in the same run.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "api/app/catalog_projection.h"
#include "api/app/proto/tokens.pb.h"
#include "api/app/read_service.h"
#include "api/wire/audit_export.h"
#include "domain/cycle_decider.h"
#include "engine/clock.h"
#include "engine/projection_runner.h"
#include "storage/event_log.h"
#include "storage/raw_baseline.h"
#include "tools/bench/bench.h"

namespace thidua::bench {
namespace {

using clock_type = std::chrono::steady_clock;

constexpr std::uint32_t first_year = 2001;
constexpr std::uint32_t years = 25;
constexpr int clusters = 8;
constexpr int members = 8;

std::string unit_of(std::uint32_t year, int cluster, int member) {
  // A unit sits in one cluster a year; the clusters are re-formed each year, so a unit moves.
  return "CA-" + std::to_string((cluster * members + member + year) % (clusters * members));
}

std::string stream_of(std::uint32_t year) {
  return "cycles/BCA/dia-phuong/" + std::to_string(year);
}

storage::proposed_event event_of(const domain::pb::Event& e) {
  return {domain::cycle_decider::event_type(e), e.SerializeAsString()};
}

// Every year's 8 clusters opened, then activities in turn across years and clusters, 1,000 events an append,
// each event about `event_bytes` stored.
void make_log(storage::event_log& log, std::uint64_t events, std::size_t event_bytes) {
  std::uint64_t written = 0, command = 0;
  auto append = [&](std::uint32_t year, std::vector<storage::proposed_event> batch, const std::string& unit) {
    storage::append_request r;
    r.stream_id = stream_of(year);
    r.command_id = "bench-" + std::to_string(++command);
    r.events = std::move(batch);
    r.actor.set_unit_id(unit);
    r.actor.set_person("Đại tá Nguyễn Văn A, Giám đốc");
    r.actor.set_role("MEMBER");
    r.recorded_at_ms = 978'282'000'000 + static_cast<std::int64_t>(written) * 60'000;  // a minute an event
    written += r.events.size();
    or_exit(log.append(std::move(r)), "append");
  };
  for (std::uint32_t y = first_year; y < first_year + years; ++y) {
    std::vector<storage::proposed_event> opened;
    for (int c = 1; c <= clusters; ++c) {
      domain::pb::Event e;
      e.set_cluster(std::to_string(c));
      auto* o = e.mutable_cycle_opened();
      o->mutable_cycle()->set_organizer_id("BCA");
      o->mutable_cycle()->set_series("dia-phuong");
      o->mutable_cycle()->set_year(y);
      o->mutable_cycle()->set_number(std::to_string(c));
      o->mutable_details()->set_cluster_name("Cụm thi đua số " + std::to_string(c) + " - Bộ Công an");
      for (int m = 0; m < members; ++m) o->mutable_details()->add_member_unit_ids(unit_of(y, c, m));
      o->mutable_details()->set_chair_unit_id(unit_of(y, c, 0));
      o->mutable_details()->set_vice_chair_unit_id(unit_of(y, c, 1));
      opened.push_back(event_of(e));
    }
    append(y, std::move(opened), "BCA-X03");
  }
  // What an event carries besides its description, so that a stored event is about event_bytes.
  const std::size_t overhead = 200;
  const std::string description(event_bytes > overhead ? event_bytes - overhead : 16, 'x');
  std::uint64_t n = 0;
  while (written < events) {
    const std::uint32_t y = first_year + static_cast<std::uint32_t>(n % years);
    const int c = 1 + static_cast<int>((n / years) % clusters);
    const int m = static_cast<int>((n / years / clusters) % members);
    std::vector<storage::proposed_event> batch;
    const auto size = std::min<std::uint64_t>(1000, events - written);
    for (std::uint64_t i = 0; i < size; ++i) {
      domain::pb::Event e;
      e.set_cluster(std::to_string(c));
      auto* a = e.mutable_activity_recorded()->mutable_details();
      a->set_date(std::to_string(y) + "-05-01");
      a->set_kind("sports_meet");
      a->set_description("Hội thao truyền thống lần " + std::to_string(written + i) + " " + description);
      batch.push_back(event_of(e));
    }
    append(y, std::move(batch), unit_of(y, c, m));
    ++n;
  }
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int run_read(const args& a) {
  const std::string path = a.dir + "/read-log";
  const std::uint64_t events = a.events;
  if (a.reuse) {
    std::printf("thidua-bench read: the log in %s\n", path.c_str());
  } else {
    std::printf("thidua-bench read: making a log of %llu events (~%zu bytes each) in %s …\n",
                static_cast<unsigned long long>(events), a.event_bytes, path.c_str());
  }
  std::uint64_t stored_bytes = 0;
  {
    auto log = or_exit(storage::event_log::open(storage::log_options{.path = path}), "open");
    if (!a.reuse) make_log(*log, events, a.event_bytes);
    auto last = log->read_all({0}, 1, storage::direction::backward);
    if (last && !last.value().empty()) stored_bytes = last.value()[0]->record.ByteSizeLong() + 33;
  }

  auto log = or_exit(storage::event_log::open(storage::log_options{.path = path}), "open");
  const std::uint64_t head = log->head().value;

  // Rounds of the baseline — a plain RocksDB iterator over the events column family — each followed by the
  // catalog built from position 1 (what a rebuild does, beside the serving version or not). A build of a
  // million events takes about a second: a flush or compaction of RocksDB's on one of the two cores moves
  // one round by a third, so each round's ratio is kept and the median reported.
  double raw = 0, rebuild = 0;
  std::vector<double> ratios;
  for (int round = 0; round < 3; ++round) {
    std::uint64_t count = 0;
    const double round_raw = or_exit(storage::raw_baseline::scan_events(path, count), "raw scan");
    // A reused log, or the round before, left a catalog: built again from nothing.
    or_exit(engine::projection_runner::erase_all(*log, api::catalog_projection::projection_name), "erase");
    api::catalog_projection catalog;
    engine::projection_runner runner(*log, catalog);
    const auto start = clock_type::now();
    runner.start();
    if (!runner.wait_for({head}, std::chrono::hours(1))) return 1;
    const double round_rebuild = static_cast<double>(head) / seconds_since(start);
    ratios.push_back(round_rebuild / round_raw);
    raw = std::max(raw, round_raw);
    rebuild = std::max(rebuild, round_rebuild);
  }
  std::sort(ratios.begin(), ratios.end());
  const double rebuild_vs_scan = ratios[1];
  const double raw_mb = raw * static_cast<double>(stored_bytes) / 1e6;

  engine::manual_wall_clock wall(1'900'000'000'000);
  api::read_options options;
  options.clock = &wall;
  api::read_service reads(*log, options);
  or_exit(reads.start(), "read service");
  api::pb::TokenGrant office;
  office.set_unit_id("BCA-X03");
  office.set_role("ORGANIZER_OFFICE");
  office.set_organizer_id("BCA");
  std::mt19937_64 rng(42);

  // As of a random past position, for a random cycle.
  std::vector<double> as_of_ms;
  std::uint64_t folded_max = 0;
  for (int i = 0; i < 2000; ++i) {
    api::pb::Query q;
    auto* g = q.mutable_get_cycle();
    g->set_organizer_id("BCA");
    g->set_series("dia-phuong");
    g->set_year(first_year + static_cast<std::uint32_t>(rng() % years));
    g->set_number(std::to_string(1 + rng() % clusters));
    g->mutable_as_of()->set_position(1 + rng() % head);
    const auto start = clock_type::now();
    auto r = reads.query(office, q);
    as_of_ms.push_back(seconds_since(start) * 1000);
    if (r) folded_max = std::max(folded_max, r.value().folded_events());
  }

  // One unit's year in the audit, every page.
  std::vector<double> audit_ms;
  std::uint64_t audit_entries = 0;
  for (int i = 0; i < 20; ++i) {
    const std::uint32_t y = first_year + static_cast<std::uint32_t>(rng() % years);
    api::pb::Query q;
    auto* au = q.mutable_audit();
    au->set_organizer_id("BCA");
    au->set_year(y);
    au->set_unit_id(unit_of(y, 1 + static_cast<int>(rng() % clusters), static_cast<int>(rng() % members)));
    au->set_limit(1000);
    const auto start = clock_type::now();
    for (std::uint64_t from = 1;;) {
      au->set_from_position(from);
      auto page = or_exit(reads.query(office, q), "audit");
      audit_entries += static_cast<std::uint64_t>(page.audit_size());
      if (page.next_position() == 0) break;
      from = page.next_position();
    }
    audit_ms.push_back(seconds_since(start) * 1000);
  }

  // Export as CSV: every entry of the first 200,000 positions (or the log), pages of 1,000.
  const std::uint64_t export_to = std::min<std::uint64_t>(head, 200'000);
  std::uint64_t export_bytes = 0, exported = 0;
  const auto export_start = clock_type::now();
  {
    api::pb::Query q;
    auto* au = q.mutable_audit();
    au->set_organizer_id("BCA");
    au->set_to_position(export_to);
    au->set_limit(1000);
    export_bytes += api::export_preamble(api::export_format::csv).size();
    for (std::uint64_t from = 1;;) {
      au->set_from_position(from);
      auto page = or_exit(reads.query(office, q), "export");
      exported += static_cast<std::uint64_t>(page.audit_size());
      export_bytes += api::export_rows(api::export_format::csv, page).size();
      if (page.next_position() == 0) break;
      from = page.next_position();
    }
  }
  const double export_s = seconds_since(export_start);
  const double export_mb = static_cast<double>(export_bytes) / 1e6 / export_s;
  // MB/s of CSV written against MB/s of stored records read raw (the measure); events/s beside it.
  const double export_vs_scan = export_mb / raw_mb;
  const double export_events_vs_scan = (static_cast<double>(exported) / export_s) / raw;
  reads.stop();

  std::printf(
      "log: %llu events, %llu bytes per stored event; raw RocksDB scan %.0f events/s at best (%.1f MB/s)\n",
      static_cast<unsigned long long>(head), static_cast<unsigned long long>(stored_bytes), raw, raw_mb);
  std::printf(
      "catalog built from position 1: %.0f events/s at best; against the raw scan of the same round %.2f, "
      "%.2f, %.2f (median %.2f)\n",
      rebuild, ratios[0], ratios[1], ratios[2], rebuild_vs_scan);
  std::printf(
      "as of a random position, a random cycle (2,000): p50 %.2f ms, p99 %.2f ms, at most %llu events "
      "folded\n",
      percentile(as_of_ms, 0.5), percentile(as_of_ms, 0.99), static_cast<unsigned long long>(folded_max));
  std::printf("audit of one unit's year, every page (20 units, %llu entries): p50 %.0f ms, p99 %.0f ms\n",
              static_cast<unsigned long long>(audit_entries), percentile(audit_ms, 0.5),
              percentile(audit_ms, 0.99));
  std::printf(
      "CSV export of %llu events: %.0f events/s (%.2f of the raw scan's), %.1f MB/s of CSV (%.2f of the raw "
      "scan's MB/s)\n",
      static_cast<unsigned long long>(exported), static_cast<double>(exported) / export_s,
      export_events_vs_scan, export_mb, export_vs_scan);
  std::printf("rebuild_vs_scan=%.2f asof_p99_ms=%.2f export_vs_scan=%.2f\n", rebuild_vs_scan,
              percentile(as_of_ms, 0.99), export_vs_scan);
  return 0;
}

}  // namespace thidua::bench
