// The review report: what the profile allows and why, per syscall, for people to read
// (Markdown for a pull request, HTML for a browser). Built from a Reviewed policy.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "generator/review.h"

namespace syscribe::gen {

// What Docker's default profile (syscalls-tables/docker-default.txt, built in) does with a
// syscall on the given arches, for a container with Docker's default capabilities.
enum class DockerStatus : uint8_t { allowed, args_restricted, needs_capability, not_allowed };
struct DockerVerdict {
  DockerStatus status = DockerStatus::not_allowed;
  std::string detail;  // "CAP_SYS_ADMIN", "personality values", ...
};
DockerVerdict docker_default_status(const std::string& syscall, const std::vector<sys::Arch>& arches);
// Names Docker's default allows unconditionally (or with argument limits) on these arches.
std::vector<std::string> docker_default_allowed(const std::vector<sys::Arch>& arches);
std::string docker_default_source();  // "Docker's default seccomp profile (moby 20.10.24, ...)"

// Entrypoint shells and helper tools: a syscall only they made is one the application
// itself never asked for.
enum class ProcessRole : uint8_t { application, shell, helper };
ProcessRole process_role(const std::string& exe, const std::string& comm);

struct ReportRow {
  std::string syscall;
  std::string risk;       // low, medium, high, critical
  std::string risk_reason;
  std::string category;
  uint64_t count = 0;
  std::vector<std::string> processes;  // "/usr/bin/app (12)"
  std::string only_by;                 // "entrypoint shell", "shell or helper tool", or empty
  std::vector<std::string> phases;
  std::vector<std::string> arg_values;  // "flags: CLONE_NEWUTS ×3"
  std::vector<std::string> filters;     // "flags only CLONE_NEWUTS"
  std::vector<std::string> origins;     // "observed", "runtime tail: runc: ..."
  std::string action;                   // "allow", "ENOSYS", "removed (denied)"
  std::string decision;                 // "allow", "deny", "needed", "not needed (runtime tail)", ""
  std::string decision_reason;          // the reasons, with who and when
  std::string docker;                   // "allowed", "needs CAP_SYS_ADMIN", "not allowed", ...
};

struct MatrixCell {
  size_t syscalls = 0;
  std::vector<std::string> high_risk;
};
struct MatrixRow {
  std::string process;  // "/usr/bin/app" or "/usr/bin/app (comm worker)"
  std::string role;     // application, entrypoint shell, helper tool
  std::vector<MatrixCell> cells;  // one per Report::phases
};

// One process identity of the evidence: how it was started and by whom.
struct ProcessLine {
  std::string process;  // as in MatrixRow
  std::string role;
  uint64_t instances = 0;
  std::vector<std::string> argvs;    // each shell-quoted: "/bin/sh -c 'exec app --port 80'"
  std::vector<std::string> parents;  // each a chain, parent first: "/usr/bin/dash ← /usr/bin/containerd-shim"
};

struct ReportInput {
  std::vector<std::string> evidence;  // input files
  std::string profile;                // output path, or empty
  std::string format;                 // oci, docker, ...
  bool refused = false;               // generate refused to write the profile
  const ev::Evidence* merged = nullptr;  // the evidence, for command lines and parents
};

struct Report {
  ReportInput input;
  std::string default_action;
  std::vector<std::pair<std::string, std::string>> arches;  // name, why
  std::string runtime;
  std::vector<ReportRow> rows;  // by risk (critical first), then name
  std::vector<std::string> phases;
  std::vector<MatrixRow> matrix;
  std::vector<ProcessLine> process_lines;  // empty when the evidence was not given
  std::vector<Unreviewed> unreviewed;
  struct DecisionLine {
    std::string at, syscall, decision, scope, reason, by, date, status;  // status: applied / stale: why
  };
  std::vector<DecisionLine> decisions;
  std::string decisions_file;  // the --review file, or empty when none was given
  std::vector<std::pair<std::string, std::string>> beyond_docker;  // syscall, what Docker does
  std::vector<std::string> removed_from_docker;
  // Where high-risk calls came from (evidence recorded with --stacks).
  struct CallSite {
    std::string syscall, process, stack;
  };
  std::vector<CallSite> call_sites;
  std::vector<std::string> warnings, notes;
  size_t allowed = 0;
};

// What the syscalls section says about the runtime tail (empty without one).
std::string runtime_tail_intro(const Report& rep);
// What the decisions section says when there is no decision to list.
std::string no_decisions_text(const Report& rep);
Report build_report(const Reviewed& r, const ReportInput& in);
std::string render_markdown(const Report& rep);
std::string render_html(const Report& rep);
// review check's --json output (docs/json-output.md): {"format": "syscribe-review-check", ...}.
std::string review_check_json(const Reviewed& r, const std::vector<std::string>& evidence);
// Writes FILE.md or FILE.html (the extension decides) atomically. Throws a usage Error for
// another extension.
void write_report(const std::string& path, const Report& rep);
void check_report_path(const std::string& path);  // the same check, before any work

}  // namespace syscribe::gen
