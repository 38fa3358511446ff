// thidua: the operator's command line. Subcommands in the usual conventions (CLI11): --help on each,
// --version, --opt=value or --opt value, missing options named together, "did you mean" for a typo.

#include <CLI/CLI.hpp>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "api/app/build_info.h"
#include "api/server/nearest_name.h"
#include "tools/cli/cli_support.h"
#include "tools/cli/export_command.h"
#include "tools/cli/import_command.h"
#include "tools/cli/log_commands.h"
#include "tools/cli/server_commands.h"
#include "tools/cli/token_commands.h"

namespace {

using namespace thidua::cli;

// The subcommand the command line chose, deepest first ("thidua token create" → create).
CLI::App* chosen(CLI::App* app) {
  for (CLI::App* sub : app->get_subcommands()) return chosen(sub);
  return app;
}

std::string path_of(CLI::App* app) {
  std::string path;
  for (CLI::App* a = app; a; a = a->get_parent()) path = a->get_name() + (path.empty() ? "" : " " + path);
  return path;
}

// Says what was wrong with the command line as a whole: every unknown word (with the nearest known name),
// every missing option at once. Returns exit_usage.
int explain(CLI::App& app, const CLI::ParseError& e) {
  CLI::App* at = chosen(&app);
  const std::string where = path_of(at);
  bool said = false;
  std::vector<std::string> options, subcommands;
  for (const CLI::Option* o : at->get_options())
    for (const auto& n : o->get_lnames()) options.push_back("--" + n);
  for (const CLI::App* s : at->get_subcommands({})) subcommands.push_back(s->get_name());
  const std::vector<std::string> words = at->remaining();
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    const bool is_option = word.starts_with("-");
    const std::string name = is_option ? word.substr(0, word.find('=')) : word;
    if (!is_option && subcommands.empty()) {
      std::fprintf(stderr, "%s: unexpected argument \"%s\"\n", where.c_str(), word.c_str());
    } else {
      const std::string near = thidua::api::nearest_name(name, is_option ? options : subcommands);
      std::fprintf(stderr, "%s: unknown %s %s%s\n", where.c_str(), is_option ? "option" : "command",
                   name.c_str(), near.empty() ? "" : (" — did you mean " + near + "?").c_str());
    }
    said = true;
    // What follows an unknown command is its own; the word after an unknown option is likely its value.
    if (!is_option) break;
    if (word.find('=') == std::string::npos && i + 1 < words.size() && !words[i + 1].starts_with("-")) ++i;
  }
  std::string missing;
  for (const CLI::Option* o : at->get_options())
    if (o->get_required() && o->count() == 0) missing += (missing.empty() ? "" : ", ") + o->get_name();
  if (!missing.empty()) {
    std::fprintf(stderr, "%s: missing %s\n", where.c_str(), missing.c_str());
    said = true;
  }
  if (!said && at->get_require_subcommand_min() > 0 && at->get_subcommands().empty()) {
    std::fprintf(stderr, "%s: which command?\n\n%s", where.c_str(), at->help().c_str());
    return exit_usage;
  }
  if (!said) std::fprintf(stderr, "%s: %s\n", where.c_str(), e.what());
  std::fprintf(stderr, "(see %s --help)\n", where.c_str());
  return exit_usage;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"thidua: the operator's command line for a Thi Đua data dir.", "thidua"};
  app.set_version_flag("--version", std::string("thidua ") + thidua::api::build_version() + " (commit " +
                                        thidua::api::build_commit() + ")");
  app.require_subcommand(1);
  app.footer(
      "head, backup, export, status, tail and token go through a running server: the one --server\n"
      "(THIDUA_SERVER, the config file) names, or the one running on --data-dir. Without one they open the\n"
      "data dir (status and tail need a server). verify and receipt open the data dir read-only: they work\n"
      "beside a running server and on a backup, and change no byte of it. restore, rebuild and import need\n"
      "the server stopped.\n"
      "Exit status: 0 done; 1 failed (the message says why and what to do); 2 a bad command line, or "
      "refused\n"
      "by the log (the code says why); 3 verify found the history altered.");

  log_command_options lo;
  token_options to;
  status_options so;
  tail_options tl;
  std::map<std::string, std::string> export_options;
  auto data_dir = [](CLI::App* c, std::string& into) {
    c->add_option("--data-dir", into, "the server's data dir (where its event log lives)")->required();
  };
  // Commands that may go through a running server: its address, a token, and where they may come from.
  auto reachable = [](CLI::App* c, std::string& dir, server_options& s) {
    c->add_option("--data-dir", dir,
                  "the server's data dir: through the server running on it (found in its server.url), else "
                  "opened directly");
    c->add_option("--server", s.server, "a running server (http://host:port or https://…)")
        ->envname("THIDUA_SERVER");
    c->add_option("--token", s.token, "the token to act with (beware: visible to other users in ps)")
        ->envname("THIDUA_TOKEN");
    c->add_option("--token-file", s.token_file, "a file whose first line is the token")
        ->envname("THIDUA_TOKEN_FILE");
    c->add_option("--ca-file", s.ca_file, "PEM authorities to check an https server's certificate with")
        ->envname("THIDUA_CA_FILE");
    c->add_option("--config", s.config,
                  "a file of `key = value` lines: server, token, token-file, ca-file (default: "
                  "~/.config/thidua/cli.conf when it exists)")
        ->envname("THIDUA_CONFIG");
  };
  auto json = [](CLI::App* c, bool& into) {
    c->add_flag("--json", into, "print JSON (one line) instead of text");
  };

  auto* verify = app.add_subcommand("verify", "check the hash chain; names the first altered record");
  data_dir(verify, lo.data_dir);
  verify->add_option(
      "--receipt", lo.receipt,
      "prove the history up to this signed receipt unchanged (a receipt's JSON, or the answer of "
      "GET /v1/receipt)");
  verify->add_option(
      "--public-key", lo.public_key,
      "with --receipt: the key published at /v1/receipt-key.pem (default: the data dir's own)");
  json(verify, lo.json);

  auto* receipt =
      app.add_subcommand("receipt", "a receipt for the head, signed with the server's key (JSON)");
  data_dir(receipt, lo.data_dir);
  receipt->add_option("--receipt-key", lo.receipt_key,
                      "the server's key (default: receipt-key.pem in the data dir)");
  json(receipt, lo.json);

  auto* head = app.add_subcommand("head", "the last position in the log");
  reachable(head, lo.data_dir, lo.server);
  json(head, lo.json);

  auto* backup = app.add_subcommand(
      "backup",
      "a consistent copy of the log: made by the running server in its backup dir while commands flow, "
      "or (no server) copied from the data dir to --to");
  reachable(backup, lo.data_dir, lo.server);
  backup->add_option("--to", lo.to, "no server: where the copy goes (must not exist)");
  backup->add_option("--name", lo.name,
                     "through a server: the copy's name in its backup dir (default: thidua-<UTC time>)");
  json(backup, lo.json);

  auto* status = app.add_subcommand(
      "status", "a running server: version, uptime, head, read models' lag, connections, subscriptions");
  reachable(status, so.data_dir, so.server);
  json(status, so.json);

  auto* tail = app.add_subcommand(
      "tail", "follow events live, from where the last tail of the same filter stopped (a running server)");
  reachable(tail, tl.data_dir, tl.server);
  tail->add_option("--organizer", tl.organizer, "cycles of this organizer (bo-cong-an …)");
  tail->add_option("--series", tl.series, "… of this series (dia-phuong …)");
  tail->add_option("--year", tl.year, "… of this year");
  tail->add_option("--number", tl.number, "… of this cluster (II or 2)");
  tail->add_option("--unit", tl.unit, "cycles of the clusters this unit is a member of");
  tail->add_option("--from", tl.from, "start at this position instead (1: the whole history)");
  tail->add_option("--state-file", tl.state_file,
                   "where the last position shown is kept (default: ~/.local/state/thidua/tail-<filter>)");
  tail->add_flag("--until-caught-up", tl.until_caught_up, "stop once the history is shown; do not follow");
  json(tail, tl.json);

  auto* restore = app.add_subcommand("restore", "copy a backup into an empty data dir and check it");
  restore->add_option("--from", lo.from, "the backup")->required();
  restore->add_option("--data-dir", lo.data_dir, "the data dir to fill (must be empty or missing)")
      ->required();

  auto* rebuild = app.add_subcommand(
      "rebuild",
      "build a read model again from position 1 beside the one in use, then swap (resumes if stopped)");
  rebuild->add_option("model", lo.model, "the read model")->required()->check(CLI::IsMember({"catalog"}));
  data_dir(rebuild, lo.data_dir);
  json(rebuild, lo.json);

  auto* exporter = app.add_subcommand(
      "export",
      "the audit as the organizer's office reads it, as CSV (UTF-8 with a BOM, for Excel) or NDJSON");
  server_options export_server;
  reachable(exporter, lo.data_dir, export_server);
  exporter->add_option(
      "--organizer", export_options["organizer"],
      "cycles of this organizer; on the data dir also whose office reads it (required there)");
  for (const auto& [name, what] : std::vector<std::pair<std::string, std::string>>{
           {"series", "a series of the organizer (dia-phuong …)"},
           {"year", "a year"},
           {"number", "a cluster's number"},
           {"unit", "what one unit did"},
           {"person", "what one person did"},
           {"role", "what one role did"},
           {"types", "event types, comma-separated"},
           {"from-date", "from a day in Vietnam (2024-06-30 or 30/6/2024)"},
           {"to-date", "to a day in Vietnam"},
           {"from-position", "from a position"},
           {"to-position", "to a position"},
           {"out", "write to this file (default: standard output)"}})
    exporter->add_option("--" + name, export_options[name], what);
  exporter->add_option("--format", export_options["format"], "csv (default) or ndjson")
      ->check(CLI::IsMember({"csv", "ndjson"}));

  import_options io;
  auto* importer = app.add_subcommand(
      "import",
      "enter history recorded on paper: a file of steps (one JSON object per line), each decided by "
      "the domain's rules as its actor's command; resumable");
  data_dir(importer, io.data_dir);
  importer->add_option("--in", io.in, "the file of steps (docs/operations.md, \"Import history\")")
      ->required();
  importer->add_flag("--new-log", io.new_log, "the data dir holds no log yet: start one");
  json(importer, io.json);

  auto* token = app.add_subcommand("token", "bearer tokens: create, list, revoke");
  token->require_subcommand(1);
  auto* create =
      token->add_subcommand("create", "issue a bearer token (printed once; only its SHA-256 is kept)");
  reachable(create, to.data_dir, to.server);
  create->add_option("--unit", to.unit, "the unit it acts for")->required();
  create->add_option("--person", to.person, "who holds it")->required();
  create->add_option("--role", to.role, "ORGANIZER_OFFICE, CHAIR, VICE_CHAIR, MEMBER or OBSERVER")
      ->required();
  create->add_option("--rank", to.rank, "the holder's rank (Đại tá …)");
  create->add_option("--position", to.position, "the holder's position (Phó Giám đốc …)");
  create->add_option("--organizer", to.organizer, "for ORGANIZER_OFFICE: whose office");
  create->add_option("--reads", to.reads, "for OBSERVER: the stream prefix it may read");
  create->add_flag("--new-log", to.new_log,
                   "the data dir holds no log yet: start one (before the server's first run)");
  json(create, to.json);
  auto* list =
      token->add_subcommand("list", "every token: id, status, role, unit, person, issuer, date, reason");
  reachable(list, to.data_dir, to.server);
  json(list, to.json);
  auto* revoke = token->add_subcommand("revoke", "revoke a token (the reason is recorded)");
  reachable(revoke, to.data_dir, to.server);
  revoke->add_option("--id", to.id, "the token's id (tk-…)")->required();
  revoke->add_option("--reason", to.reason, "why (recorded in the log)")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return explain(app, e);
  }

  if (*verify) return verify_command(lo);
  if (*receipt) return receipt_command(lo);
  if (*head) return head_command(lo);
  if (*backup) return backup_command(lo);
  if (*restore) return restore_command(lo);
  if (*rebuild) return rebuild_command(lo);
  if (*exporter) {
    std::optional<server_link> link;
    const auto how = choose_link("export", export_server, lo.data_dir, {}, link);
    if (how == link_choice::failed) return exit_failed;
    if (how == link_choice::server) return thidua::cli::export_through_server(export_options, *link);
    // Its read models are brought up to the head first: that writes them.
    auto log = open_log("export", lo.data_dir, open_mode::write);
    return log ? thidua::cli::export_command(export_options, *log) : exit_failed;
  }
  if (*importer) return import_command(io);
  if (*status) return status_command(so);
  if (*tail) return tail_command(tl);
  if (*create) return token_create(to);
  if (*list) return token_list(to);
  if (*revoke) return token_revoke(to);
  return exit_usage;
}
