// thidua: the operator's command line. Works on a data dir directly (the server must not be running on it).

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <google/protobuf/util/json_util.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/app/read_service.h"
#include "api/app/receipts.h"
#include "api/app/token_registry.h"
#include "api/server/system_wall_clock.h"
#include "engine/command_pipeline.h"
#include "storage/event_log.h"
#include "tools/cli/export_command.h"

namespace {

using thidua::storage::event_log;
using thidua::storage::log_options;
namespace api = thidua::api;
namespace engine = thidua::engine;

void usage() {
  std::puts(
      "usage: thidua <command> [options]\n"
      "  verify  --data-dir DIR                check the hash chain; names the first altered record\n"
      "  verify  --data-dir DIR --receipt FILE [--public-key FILE]\n"
      "                                        prove the history up to a signed receipt unchanged (the\n"
      "                                        public key as published at /v1/receipt-key.pem; default:\n"
      "                                        the data dir's own key)\n"
      "  receipt --data-dir DIR [--receipt-key FILE]\n"
      "                                        a receipt for the head, signed with the server's key (JSON)\n"
      "  backup  --data-dir DIR --to BACKUP    consistent copy of the log (BACKUP must not exist)\n"
      "  restore --from BACKUP --data-dir DIR  copy a backup into an empty data dir and check it\n"
      "  head    --data-dir DIR                the last position in the log\n"
      "  export  --data-dir DIR --organizer ORG [--series S] [--year Y] [--number N] [--unit U]\n"
      "          [--person P] [--role R] [--types T1,T2] [--from-date D] [--to-date D]\n"
      "          [--from-position N] [--to-position N] [--format csv|ndjson] [--out FILE]\n"
      "                                        the audit as the organizer's office reads it, as CSV (UTF-8\n"
      "                                        with a BOM, for Excel) or NDJSON; to FILE or standard output\n"
      "  rebuild catalog --data-dir DIR        build the read model again from position 1 beside the one\n"
      "                                        in use, then swap (a rebuild stopped midway resumes)\n"
      "  token create --data-dir DIR --unit U --person NAME --role ROLE [--rank R] [--position P]\n"
      "               [--organizer ORG] [--reads STREAM_PREFIX]\n"
      "                                        issue a bearer token (printed once; only its SHA-256 is "
      "kept)\n"
      "  token list   --data-dir DIR            every token: id, status, role, unit, person (never the "
      "secret)\n"
      "  token revoke --data-dir DIR --id ID --reason TEXT\n"
      "ROLE: ORGANIZER_OFFICE, CHAIR, VICE_CHAIR, MEMBER, OBSERVER.\n"
      "Exit status: 0 ok, 1 failure (the message says why), 2 bad command line or refused, 3 verify found "
      "tampering.");
}

struct args {
  std::string data_dir, to, from, receipt, public_key, receipt_key;
  std::map<std::string, std::string> token;  // options of `thidua token …` and `thidua export`
};

bool parse(int argc, char** argv, int first, args& a) {
  static const std::set<std::string> token_options{
      "--unit", "--person",    "--role",    "--rank",          "--position",   "--organizer", "--reads",
      "--id",   "--reason",    "--series",  "--year",          "--number",     "--types",     "--format",
      "--out",  "--from-date", "--to-date", "--from-position", "--to-position"};
  for (int i = first; i < argc; i += 2) {
    if (i + 1 >= argc) {
      std::fprintf(stderr, "thidua: %s needs a value\n", argv[i]);
      return false;
    }
    std::string opt = argv[i], val = argv[i + 1];
    if (opt == "--data-dir") {
      a.data_dir = val;
    } else if (opt == "--to") {
      a.to = val;
    } else if (opt == "--from") {
      a.from = val;
    } else if (opt == "--receipt") {
      a.receipt = val;
    } else if (opt == "--public-key") {
      a.public_key = val;
    } else if (opt == "--receipt-key") {
      a.receipt_key = val;
    } else if (token_options.count(opt)) {
      a.token[opt.substr(2)] = val;
    } else {
      std::fprintf(stderr, "thidua: unknown option %s\n", opt.c_str());
      return false;
    }
  }
  return true;
}

int fail(const thidua::error& e) {
  std::fprintf(stderr, "thidua: %s\n", e.message.c_str());
  return 1;
}

std::string operator_name() {
  const char* user = std::getenv("USER");
  return user && *user ? user : "operator";
}

int token_command(const std::string& sub, args& a, event_log& log) {
  engine::command_pipeline<api::token_decider> tokens(log);
  const auto now = api::system_wall_clock().now_ms();
  auto run = [&](std::string id, api::pb::TokenCommand c) {
    // The operator's own scope: no token's commands share these ids (engine/command_id.h).
    return tokens.execute({std::move(id),
                           api::token_operator{operator_name()},
                           std::move(c),
                           now,
                           std::nullopt,
                           {},
                           {},
                           "cli"});
  };
  auto refused = [](const thidua::error& e) {
    const auto* rejected = engine::rejection_of(e);
    std::fprintf(stderr, "thidua token: %s%s%s\n", rejected ? rejected->code.c_str() : "",
                 rejected ? ": " : "", e.message.c_str());
    return rejected ? 2 : 1;
  };
  if (sub == "create") {
    const std::string secret = api::new_token_secret();
    const std::string hash = api::token_hash(secret);
    api::pb::TokenCommand c;
    auto* g = c.mutable_issue();
    g->set_token_id("tk-" + hash.substr(0, 12));
    g->set_sha256(hash);
    g->set_unit_id(a.token["unit"]);
    g->set_person_name(a.token["person"]);
    g->set_rank(a.token["rank"]);
    g->set_position(a.token["position"]);
    g->set_role(a.token["role"]);
    g->set_organizer_id(a.token["organizer"]);
    if (!a.token["reads"].empty()) g->add_readable_stream_prefixes(a.token["reads"]);
    auto r = run("token-issue-" + g->token_id(), c);
    if (!r) return refused(r.error());
    std::printf("id: %s\ntoken: %s\n(the token is shown once and only its SHA-256 is stored: keep it now)\n",
                g->token_id().c_str(), secret.c_str());
    return 0;
  }
  if (sub == "revoke") {
    api::pb::TokenCommand c;
    c.mutable_revoke()->set_token_id(a.token["id"]);
    c.mutable_revoke()->set_reason(a.token["reason"]);
    auto r = run("token-revoke-" + a.token["id"], c);
    if (!r) return refused(r.error());
    std::printf(r.value().duplicate ? "%s was already revoked\n" : "revoked %s\n", a.token["id"].c_str());
    return 0;
  }
  if (sub == "list") {
    auto state = tokens.load("tokens");
    if (!state) return fail(state.error());
    std::printf("%-16s %-8s %-18s %-24s %s\n", "id", "status", "role", "unit", "person");
    for (const auto& [id, g] : state.value().state.by_id) {
      const bool revoked = state.value().state.revoked.count(id) > 0;
      std::printf("%-16s %-8s %-18s %-24s %s\n", id.c_str(), revoked ? "revoked" : "active",
                  g->role().c_str(), g->unit_id().c_str(), g->person_name().c_str());
    }
    return 0;
  }
  std::fprintf(stderr, "thidua token: unknown subcommand %s (create, list, revoke)\n", sub.c_str());
  return 2;
}

std::string receipt_key_path(const args& a) {
  return a.receipt_key.empty() ? (std::filesystem::path(a.data_dir) / "receipt-key.pem").string()
                               : a.receipt_key;
}

int receipt_command(const args& a, event_log& log) {
  // Made only by the server's first start: a receipt from a key nobody published proves nothing.
  if (!std::filesystem::exists(receipt_key_path(a))) {
    std::fprintf(stderr, "thidua receipt: no key at %s (the server makes it on its first start)\n",
                 receipt_key_path(a).c_str());
    return 1;
  }
  auto key = api::receipt_key::load_or_create(receipt_key_path(a));
  if (!key) return fail(key.error());
  api::receipt_desk desk(log, std::move(key).value());
  auto r = desk.issue(api::system_wall_clock().now_ms());
  if (!r) return fail(r.error());
  std::string json;
  google::protobuf::util::JsonPrintOptions o;
  o.preserve_proto_field_names = true;
  o.add_whitespace = true;
  (void)google::protobuf::util::MessageToJsonString(r.value(), &json, o);
  std::fputs(json.c_str(), stdout);
  return 0;
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

int verify_receipt_command(const args& a, event_log& log) {
  api::pb::Receipt r;
  std::string why;
  if (!read_receipt(a.receipt, r, why)) {
    std::fprintf(stderr, "thidua verify: %s\n", why.c_str());
    return 2;
  }
  if (a.public_key.empty())
    std::fprintf(stderr,
                 "thidua verify: checking with the public half of %s; pass --public-key with the key "
                 "published at /v1/receipt-key.pem to check against it\n",
                 receipt_key_path(a).c_str());
  auto key = a.public_key.empty() ? api::receipt_key::load_public(receipt_key_path(a))
                                  : api::receipt_key::load_public(a.public_key);
  if (!key) return fail(key.error());
  auto checked = api::check_receipt(log, r, key.value());
  if (!checked) {
    std::fprintf(stderr, "thidua verify: %s: %s\n", checked.error().field.c_str(),
                 checked.error().message.c_str());
    return 2;
  }
  if (!checked.value().ok()) {
    std::printf("NOT PROVEN: %s\n", checked.value().problem().c_str());
    return 3;
  }
  std::printf("ok: the history up to position %llu is the one receipted at %s (hash %s, key %s)\n",
              static_cast<unsigned long long>(r.position()), r.issued_at().c_str(), r.head_hash().c_str(),
              r.key_id().c_str());
  return 0;
}

}  // namespace

// Builds the model beside the serving one and swaps, as a running server does on rebuild_read_model; a
// rebuild interrupted (killed) is resumed from its checkpoint, by this or by the server's next start.
int rebuild_command(const std::string& model, event_log& log) {
  api::read_service reads(log);
  if (auto r = reads.start(); !r) return fail(r.error());
  if (const auto was = reads.read_model_status(); was.rebuilding())
    std::fprintf(stderr, "resuming the rebuild of %s from position %llu\n", was.rebuilding_into().c_str(),
                 static_cast<unsigned long long>(was.rebuild_position()));
  const auto started = std::chrono::steady_clock::now();
  auto status = reads.rebuild_read_model(model);
  if (!status) {
    std::fprintf(stderr, "thidua rebuild: %s\n", status.error().message.c_str());
    return 2;
  }
  auto last_report = started;
  for (;;) {
    const auto s = reads.read_model_status();
    if (!s.rebuilding()) break;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_report >= std::chrono::seconds(1)) {
      std::fprintf(stderr, "rebuilding %s: %llu of %llu\n", s.rebuilding_into().c_str(),
                   static_cast<unsigned long long>(s.rebuild_position()),
                   static_cast<unsigned long long>(s.rebuild_target()));
      last_report = now;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const auto done = reads.read_model_status();
  reads.stop();
  std::printf("rebuilt %s: now stored as %s, %llu events in %.1f s\n", model.c_str(),
              done.stored_as().c_str(), static_cast<unsigned long long>(done.position()), seconds);
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    usage();
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  const bool is_token = command == "token";
  const bool is_rebuild = command == "rebuild";
  if ((is_token || is_rebuild) && argc < 3) {
    usage();
    return 2;
  }
  args a;
  if (!parse(argc, argv, is_token || is_rebuild ? 3 : 2, a)) return 2;
  if (command == "restore") {
    if (a.from.empty() || a.data_dir.empty()) {
      std::fprintf(stderr, "thidua restore: --from and --data-dir are required\n");
      return 2;
    }
    if (auto r = event_log::restore(a.from, a.data_dir); !r) return fail(r.error());
    std::printf("restored %s into %s\n", a.from.c_str(), a.data_dir.c_str());
    return 0;
  }
  if (a.data_dir.empty()) {
    std::fprintf(stderr, "thidua %s: --data-dir is required\n", command.c_str());
    return 2;
  }
  if (command != "verify" && command != "backup" && command != "head" && command != "receipt" &&
      command != "export" && !is_token && !is_rebuild) {
    std::fprintf(stderr, "thidua: unknown command %s (see --help)\n", command.c_str());
    return 2;
  }
  // Tokens may be issued before the server ever ran: only `token create` may start an empty log.
  const bool may_create = is_token && std::string(argv[2]) == "create";
  // No WAL spares: a short-lived tool would take the server's spare and start zeroing the next for nothing.
  auto opened =
      event_log::open(log_options{.path = a.data_dir, .create_if_missing = may_create, .wal_spare_bytes = 0});
  if (!opened) return fail(opened.error());
  auto log = std::move(opened).value();
  if (is_token) return token_command(argv[2], a, *log);
  if (is_rebuild) return rebuild_command(argv[2], *log);
  if (command == "receipt") return receipt_command(a, *log);
  if (command == "export") return thidua::cli::export_command(a.token, *log);
  if (command == "verify" && !a.receipt.empty()) return verify_receipt_command(a, *log);
  if (command == "head") {
    std::printf("%llu\n", static_cast<unsigned long long>(log->head().value));
    return 0;
  }
  if (command == "backup") {
    if (a.to.empty()) {
      std::fprintf(stderr, "thidua backup: --to is required\n");
      return 2;
    }
    if (auto r = log->backup_to(a.to); !r) return fail(r.error());
    std::printf("backed up %llu events to %s\n", static_cast<unsigned long long>(log->head().value),
                a.to.c_str());
    return 0;
  }
  auto report = log->verify({1}, {UINT64_MAX});
  if (!report) return fail(report.error());
  if (!report.value().ok) {
    std::printf("TAMPERED at position %llu: %s\n",
                static_cast<unsigned long long>(report.value().first_bad.value), report.value().what.c_str());
    return 3;
  }
  std::printf("ok: %llu records, chain intact up to position %llu\n",
              static_cast<unsigned long long>(report.value().records),
              static_cast<unsigned long long>(report.value().last_checked.value));
  return 0;
}
