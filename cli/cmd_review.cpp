// syscribe review: the decisions file beside a profile. `init` writes a skeleton listing what
// needs a decision; `check` applies a decisions file to evidence, says what is pending or
// stale, and can write the report without generating a profile (for CI).
#include <ctime>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "cli/options.h"
#include "cli/policy_options.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "generator/merge.h"
#include "generator/report.h"
#include "generator/review.h"

namespace syscribe::cli {

namespace {

void add_policy_options(po::options_description& opts) {
  opts.add_options()
      ("review", po::value<std::string>(), "decisions file (YAML or JSON)")
      ("phases", po::value<std::vector<std::string>>()->composing(), "only these phases (comma-separated)")
      ("exclude-process", po::value<std::vector<std::string>>()->composing(), "leave this process (exe or comm) out; repeatable")
      ("arch", po::value<std::vector<std::string>>()->composing(), "also target these arches (comma-separated)")
      ("runtime", po::value<std::string>()->default_value("none"), "runtime tail: runc, crun, none (docker: Docker uses runc)")
      ("no-arg-filters", "no argument filters");
}

std::string today() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

int review_init(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()
      ("output,o", po::value<std::string>(), "decisions skeleton to write (required; never the --review file)")
      ("force", "replace an existing -o file");
  add_policy_options(opts);
  auto p = parse_args("review init", "syscribe review init EVIDENCE... -o FILE [OPTIONS]",
                      "Writes a decisions skeleton: one item per high-risk syscall the evidence holds and no\n"
                      "decision covers yet (with --review, only what that file does not cover), with the\n"
                      "processes, phases and argument values as comments. decision and reason are left\n"
                      "empty: generate refuses the file until a person fills them in.\n"
                      "It will not replace an existing file (a half-filled skeleton is work) unless --force is\n"
                      "given, and never the --review file: write the new items elsewhere and copy them over.\n\n"
                      "Example:\n  syscribe review init app.evidence.json -o review.yaml\n",
                      opts, args);
  if (p.help) return 0;
  if (p.positional.empty()) throw usage_error("give at least one evidence file");
  if (!p.vm.count("output")) throw usage_error("give the file to write with -o FILE");
  const auto& out = p.vm["output"].as<std::string>();
  if (out != "-") {
    std::error_code ec;
    if (p.vm.count("review") && std::filesystem::equivalent(out, p.vm["review"].as<std::string>(), ec))
      throw usage_error(fmt::format("-o {} is the --review file: the skeleton would replace the decisions in it; "
                                    "write it to another file",
                                    out));
    if (std::filesystem::exists(out, ec) && !p.vm.count("force"))
      throw usage_error(fmt::format("-o {}: the file exists (give --force to replace it)", out));
    check_writable(out);
  }
  gen::Decisions d = p.vm.count("review") ? gen::read_decisions(p.vm["review"].as<std::string>()) : gen::Decisions{};
  gen::PolicyOptions o = read_policy_options(p.vm, "review init", false);
  gen::Reviewed r = gen::review_policy(gen::read_merged(p.positional), o, std::move(d));
  write_file_atomic(out, gen::decisions_skeleton(r, p.positional, today()));
  std::cerr << fmt::format("syscribe review init: {}: {} syscall(s) need a decision\n", out == "-" ? "<stdout>" : out,
                           r.unreviewed.size());
  for (const auto& u : r.unreviewed)
    std::cerr << fmt::format("  {} ({}): {}\n", u.syscall, sys::risk_name(u.risk), gen::uses_text(u.uses));
  return 0;
}

int review_check(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()
      ("report", po::value<std::string>(), "also write the review report (FILE.md or FILE.html)")
      ("json", "print what is pending, stale and applied as one JSON document on stdout (docs/json-output.md); "
               "the exit status is the same");
  add_policy_options(opts);
  auto p = parse_args("review check", "syscribe review check EVIDENCE... [--review FILE] [--report FILE] [--json] [OPTIONS]",
                      "Applies the decisions to the evidence as generate would, and says which high-risk\n"
                      "syscalls still need a decision (exit 3) and which decisions are stale. Writes no profile.\n",
                      opts, args);
  if (p.help) return 0;
  if (p.positional.empty()) throw usage_error("give at least one evidence file");
  if (p.vm.count("report")) gen::check_report_path(p.vm["report"].as<std::string>());
  // A skeleton being filled in: its blank items are what is pending, not a malformed file.
  gen::Decisions d =
      p.vm.count("review") ? gen::read_decisions(p.vm["review"].as<std::string>(), true) : gen::Decisions{};
  if (!d.file.empty() && d.list.empty() && d.undecided.empty())
    std::cerr << fmt::format("syscribe review check: {}: the file holds no decisions\n", d.file);
  for (const auto& at : d.undecided)
    std::cerr << fmt::format("syscribe review check: {}: not decided yet (decision is blank)\n", at.str());
  ev::Evidence ev = gen::read_merged(p.positional);
  gen::Reviewed r = gen::review_policy(ev, read_policy_options(p.vm, "review check", false), std::move(d));
  if (p.vm.count("report"))
    gen::write_report(p.vm["report"].as<std::string>(),
                      gen::build_report(r, {p.positional, "", "", !r.unreviewed.empty(), &ev}));
  if (p.vm.count("json")) std::cout << gen::review_check_json(r, p.positional);
  for (const auto& w : r.warnings) std::cerr << "  warning: " << w << "\n";
  if (!r.unreviewed.empty()) throw Error(gen::unreviewed_message(r), kExitReview);
  std::cerr << fmt::format("syscribe review check: {} decision(s) apply, {} stale; nothing is pending\n",
                           r.decisions.list.size() - r.stale.size(), r.stale.size());
  return 0;
}

}  // namespace

int cmd_review(const Args& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << "usage: syscribe review init EVIDENCE... -o FILE [OPTIONS]\n"
                 "       syscribe review check EVIDENCE... [--review FILE] [--report FILE.md|FILE.html]\n\n"
                 "  init   write a decisions skeleton listing the high-risk syscalls that need a decision\n"
                 "  check  apply a decisions file: what is pending (exit 3), what is stale\n\n"
                 "generate --review FILE applies the same decisions; docs/review.md describes the file.\n"
                 "'syscribe review init --help' and 'syscribe review check --help' list every option.\n\n";
    po::options_description opts("Options of both");
    add_policy_options(opts);
    opts.add_options()("help,h", "show this help");
    po::options_description init("Options of init");
    init.add_options()("output,o", po::value<std::string>(), "decisions skeleton to write (required; never the --review file)")
        ("force", "replace an existing -o file");
    po::options_description check("Options of check");
    check.add_options()("report", po::value<std::string>(), "also write the review report (FILE.md or FILE.html)");
    std::cout << opts << "\n" << init << "\n" << check << "\n"
              << "Examples:\n"
                 "  syscribe review init app.evidence.json -o review.yaml\n"
                 "  syscribe review check app.evidence.json --review review.yaml --report review.html\n";
    return args.empty() ? kExitUsage : 0;
  }
  Args rest(args.begin() + 1, args.end());
  if (args[0] == "init") return review_init(rest);
  if (args[0] == "check") return review_check(rest);
  throw usage_error(fmt::format("unknown review command '{}' (init, check)", args[0]));
}

}  // namespace syscribe::cli
