#include "tools/cli/log_commands.h"

#include <google/protobuf/util/json_util.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "api/app/hex.h"
#include "api/app/proto/queries.pb.h"
#include "api/app/read_service.h"
#include "api/app/receipts.h"
#include "api/server/system_wall_clock.h"
#include "tools/cli/cli_support.h"
#include "tools/cli/progress.h"

namespace thidua::cli {
namespace {

std::string receipt_key_path(const log_command_options& o) {
  return o.receipt_key.empty() ? (std::filesystem::path(o.data_dir) / "receipt-key.pem").string()
                               : o.receipt_key;
}

// A receipt file: the Receipt itself, or the whole answer of GET /v1/receipt that holds it.
bool read_receipt(const std::string& path, api::pb::Receipt& r, std::string& why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why = "cannot read " + path;
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  google::protobuf::util::JsonParseOptions o;
  const auto as_receipt = google::protobuf::util::JsonStringToMessage(text.str(), &r, o);
  if (as_receipt.ok()) return true;
  api::pb::QueryResult answer;
  if (google::protobuf::util::JsonStringToMessage(text.str(), &answer, o).ok() && answer.has_receipt()) {
    r = answer.receipt();
    return true;
  }
  why = path + " is not a receipt: " + std::string(as_receipt.message());
  return false;
}

int verify_receipt(const log_command_options& o, storage::event_log& log) {
  api::pb::Receipt r;
  std::string why;
  if (!read_receipt(o.receipt, r, why)) {
    complain("verify", why);
    return exit_usage;
  }
  if (o.public_key.empty())
    complain("verify", "checking with the public half of " + receipt_key_path(o) +
                           "; pass --public-key with the key published at /v1/receipt-key.pem to check "
                           "against it");
  auto key = o.public_key.empty() ? api::receipt_key::load_public(receipt_key_path(o))
                                  : api::receipt_key::load_public(o.public_key);
  if (!key) {
    complain("verify", key.error().message);
    return exit_failed;
  }
  auto checked = api::check_receipt(log, r, key.value());
  if (!checked) {
    complain("verify", checked.error().field + ": " + checked.error().message);
    return exit_usage;
  }
  const bool proven = checked.value().ok();
  if (o.json) {
    google::protobuf::Struct out;
    auto& f = *out.mutable_fields();
    f["proven"] = json_bool(proven);
    f["position"] = json_number(static_cast<double>(r.position()));
    f["head_hash"] = json_text(r.head_hash());
    f["issued_at"] = json_text(r.issued_at());
    f["key_id"] = json_text(r.key_id());
    if (!proven) f["problem"] = json_text(checked.value().problem());
    print_json(out);
  } else if (!proven) {
    std::printf("NOT PROVEN: %s\n", checked.value().problem().c_str());
  } else {
    std::printf("ok: the history up to position %llu is the one receipted at %s (hash %s, key %s)\n",
                static_cast<unsigned long long>(r.position()), r.issued_at().c_str(), r.head_hash().c_str(),
                r.key_id().c_str());
  }
  return proven ? exit_ok : exit_tampered;
}

// The whole chain, a stretch at a time so that a big log shows how far it is: each stretch starts from the
// hash its first record's predecessor was checked to have; the last one also checks the chain head.
result<storage::verify_report> verify_with_progress(const storage::event_log& log) {
  constexpr std::uint64_t stretch = 100'000;
  const std::uint64_t head = log.head().value;
  progress_bar bar("verifying", head, "records");
  storage::verify_report whole;
  for (std::uint64_t from = 1;; from += stretch) {
    const bool last = from + stretch > head;
    auto part = log.verify({from}, {last ? UINT64_MAX : from + stretch - 1});
    if (!part) return part;
    whole.records += part.value().records;
    if (part.value().records > 0) {
      whole.last_checked = part.value().last_checked;
      whole.last_hash = part.value().last_hash;
    }
    if (!part.value().ok || last) {
      whole.ok = part.value().ok;
      whole.first_bad = part.value().first_bad;
      whole.what = part.value().what;
      return whole;
    }
    bar.update(whole.records);
  }
}

// A backup on the data dir with a progress bar (shown only when the copy takes more than a second: on
// another file system, where the checkpoint copies instead of linking).
result<void> backup_with_progress(const storage::event_log& log, const std::string& to) {
  progress_bar bar("backing up", 0, "MB");
  return log.backup_to(to, [&bar](std::uint64_t copied, std::uint64_t total) {
    bar.set_total(total >> 20);
    bar.update(copied >> 20);
  });
}

}  // namespace

int verify_command(const log_command_options& o) {
  auto log = open_log("verify", o.data_dir, open_mode::read_only);
  if (!log) return exit_failed;
  if (!o.receipt.empty()) return verify_receipt(o, *log);
  auto report = verify_with_progress(*log);
  if (!report) {
    complain("verify", report.error().message);
    return exit_failed;
  }
  const auto& v = report.value();
  if (o.json) {
    google::protobuf::Struct out;
    auto& f = *out.mutable_fields();
    f["ok"] = json_bool(v.ok);
    f["records"] = json_number(static_cast<double>(v.records));
    f["last_checked"] = json_number(static_cast<double>(v.last_checked.value));
    f["last_hash"] = json_text(api::hex(v.last_hash.data(), v.last_hash.size()));
    if (!v.ok) {
      f["first_bad"] = json_number(static_cast<double>(v.first_bad.value));
      f["what"] = json_text(v.what);
    }
    print_json(out);
  } else if (!v.ok) {
    std::printf("TAMPERED at position %llu: %s\n", static_cast<unsigned long long>(v.first_bad.value),
                v.what.c_str());
  } else {
    std::printf("ok: %llu records, chain intact up to position %llu\n",
                static_cast<unsigned long long>(v.records),
                static_cast<unsigned long long>(v.last_checked.value));
  }
  return v.ok ? exit_ok : exit_tampered;
}

int receipt_command(const log_command_options& o) {
  // Made only by the server's first start: a receipt from a key nobody published proves nothing.
  if (!std::filesystem::exists(receipt_key_path(o))) {
    complain("receipt", "no key at " + receipt_key_path(o) + " (the server makes it on its first start)");
    return exit_failed;
  }
  auto log = open_log("receipt", o.data_dir, open_mode::read_only);
  if (!log) return exit_failed;
  auto key = api::receipt_key::load_or_create(receipt_key_path(o));
  if (!key) {
    complain("receipt", key.error().message);
    return exit_failed;
  }
  api::receipt_desk desk(*log, std::move(key).value());
  auto r = desk.issue(api::system_wall_clock().now_ms());
  if (!r) {
    complain("receipt", r.error().message);
    return exit_failed;
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions p;
  p.preserve_proto_field_names = true;
  p.add_whitespace = !o.json;
  (void)google::protobuf::util::MessageToJsonString(r.value(), &json, p);
  std::fputs(json.c_str(), stdout);
  if (o.json) std::fputc('\n', stdout);
  return exit_ok;
}

int head_command(const log_command_options& o) {
  std::optional<server_link> link;
  const auto how = choose_link("head", o.server, o.data_dir, {.token = false, .reads_only = true}, link);
  if (how == link_choice::failed) return exit_failed;
  std::uint64_t head = 0;
  if (how == link_choice::server) {
    api::pb::ServerStatus status;
    if (int r = call_server("head", *link, "GET", "/v1/status", "", &status); r != exit_ok) return r;
    head = status.head();
  } else {
    auto log = open_log("head", o.data_dir, open_mode::read_only);
    if (!log) return exit_failed;
    head = log->head().value;
  }
  if (o.json) {
    google::protobuf::Struct out;
    (*out.mutable_fields())["head"] = json_number(static_cast<double>(head));
    print_json(out);
  } else {
    std::printf("%llu\n", static_cast<unsigned long long>(head));
  }
  return exit_ok;
}

namespace {

// POST /v1/backups: the server copies its log into its backup dir while commands keep flowing.
int backup_through(const server_link& link, const log_command_options& o) {
  api::pb::CreateBackup ask;
  ask.set_name(o.name);
  api::pb::QueryResult answer;
  if (int r = call_server("backup", link, "POST", "/v1/backups", json_of(ask), &answer); r != exit_ok)
    return r;
  const auto& b = answer.backup();
  if (o.json) {
    google::protobuf::Struct out;
    auto& f = *out.mutable_fields();
    f["path"] = json_text(b.path());
    f["head"] = json_number(static_cast<double>(b.head()));
    f["head_hash"] = json_text(b.head_hash());
    f["bytes"] = json_number(static_cast<double>(b.bytes()));
    f["files"] = json_number(b.files());
    f["seconds"] = json_number(b.seconds());
    print_json(out);
  } else {
    std::printf(
        "backed up %llu events to %s on the server's machine (%.1f MB, %u files, %.1f s)\n"
        "head %llu has hash %s\n",
        static_cast<unsigned long long>(b.head()), b.path().c_str(), static_cast<double>(b.bytes()) / 1e6,
        b.files(), b.seconds(), static_cast<unsigned long long>(b.head()), b.head_hash().c_str());
  }
  return exit_ok;
}

}  // namespace

int backup_command(const log_command_options& o) {
  std::optional<server_link> link;
  const auto how = choose_link("backup", o.server, o.data_dir, {}, link);
  if (how == link_choice::failed) return exit_failed;
  if (how == link_choice::server) {
    if (!o.to.empty()) {
      complain("backup",
               "a running server writes its backups into its own backup dir (--backup-dir; GET "
               "/v1/status names it): drop --to (name the copy with --name if you like), then copy "
               "it from there");
      return exit_usage;
    }
    return backup_through(*link, o);
  }
  if (o.to.empty()) {
    complain("backup", "no server runs on " + o.data_dir + ": say where the copy goes with --to DIR");
    return exit_usage;
  }
  if (!o.name.empty()) {
    complain("backup", "--name names a copy made by a running server; here the copy goes to --to");
    return exit_usage;
  }
  auto log = open_log("backup", o.data_dir, open_mode::write);
  if (!log) return exit_failed;
  if (auto r = backup_with_progress(*log, o.to); !r) {
    complain("backup", r.error().message);
    return exit_failed;
  }
  std::uintmax_t bytes = 0;
  std::error_code ec;
  for (const auto& f : std::filesystem::recursive_directory_iterator(o.to, ec))
    if (f.is_regular_file(ec)) bytes += f.file_size(ec);
  const auto head = log->head().value;
  if (o.json) {
    google::protobuf::Struct out;
    auto& f = *out.mutable_fields();
    f["to"] = json_text(o.to);
    f["head"] = json_number(static_cast<double>(head));
    f["bytes"] = json_number(static_cast<double>(bytes));
    print_json(out);
  } else {
    std::printf("backed up %llu events to %s (%.1f MB)\n", static_cast<unsigned long long>(head),
                o.to.c_str(), static_cast<double>(bytes) / 1e6);
  }
  return exit_ok;
}

int restore_command(const log_command_options& o) {
  if (data_dir_in_use(o.data_dir).value_or(true)) {
    complain("restore", "the data dir " + o.data_dir +
                            " is live (a server or another thidua command has it open): restore into a new, "
                            "empty dir, then start the server on that one");
    return exit_failed;
  }
  progress_bar bar("restoring", 0, "MB");
  const auto copied = [&bar](std::uint64_t done, std::uint64_t total) {
    bar.set_total(total >> 20);
    bar.update(done >> 20);
  };
  if (auto r = storage::event_log::restore(o.from, o.data_dir, copied); !r) {
    complain("restore", r.error().message);
    return exit_failed;
  }
  bar.finish();
  std::printf("restored %s into %s\n", o.from.c_str(), o.data_dir.c_str());
  return exit_ok;
}

// Builds the model beside the serving one and swaps, as a running server does on rebuild_read_model; a
// rebuild interrupted (killed) is resumed from its checkpoint, by this or by the server's next start.
int rebuild_command(const log_command_options& o) {
  auto log = open_log("rebuild", o.data_dir, open_mode::write);
  if (!log) return exit_failed;
  api::read_service reads(*log);
  if (auto r = reads.start(); !r) {
    complain("rebuild", r.error().message);
    return exit_failed;
  }
  if (const auto was = reads.read_model_status(); was.rebuilding())
    std::fprintf(stderr, "resuming the rebuild of %s from position %llu\n", was.rebuilding_into().c_str(),
                 static_cast<unsigned long long>(was.rebuild_position()));
  const auto started = std::chrono::steady_clock::now();
  auto status = reads.rebuild_read_model(o.model);
  if (!status) {
    complain("rebuild", status.error().message);
    return exit_usage;
  }
  {
    progress_bar bar("rebuilding " + o.model, status.value().rebuild_target(), "events");
    for (;;) {
      const auto s = reads.read_model_status();
      if (!s.rebuilding()) break;
      bar.set_total(s.rebuild_target());
      bar.update(s.rebuild_position());
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const auto done = reads.read_model_status();
  reads.stop();
  if (o.json) {
    google::protobuf::Struct out;
    auto& f = *out.mutable_fields();
    f["model"] = json_text(o.model);
    f["stored_as"] = json_text(done.stored_as());
    f["position"] = json_number(static_cast<double>(done.position()));
    f["seconds"] = json_number(seconds);
    print_json(out);
  } else {
    std::printf("rebuilt %s: now stored as %s, %llu events in %.1f s\n", o.model.c_str(),
                done.stored_as().c_str(), static_cast<unsigned long long>(done.position()), seconds);
  }
  return exit_ok;
}

}  // namespace thidua::cli
