// The review report as Markdown (GitHub tables), for a pull request beside the profile.
#include <fmt/format.h>

#include "generator/report.h"

namespace syscribe::gen {

namespace {

// A table cell: pipes escaped, lists one item per line.
std::string cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += "<br>";
    else out += c;
  }
  return out.empty() ? " " : out;
}
std::string cell(const std::vector<std::string>& items) { return cell(fmt::format("{}", fmt::join(items, "\n"))); }

// Items as inline code, one per line; a backtick inside an item widens the fence around it.
std::string code_lines(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.find('`') == std::string::npos ? "`" + i + "`" : "`` " + i + " ``");
  return cell(out);
}

std::string table(const std::vector<std::string>& head, const std::vector<std::vector<std::string>>& rows) {
  std::string out = "|";
  for (const auto& h : head) out += " " + h + " |";
  out += "\n|";
  for (size_t i = 0; i < head.size(); ++i) out += " --- |";
  out += "\n";
  for (const auto& r : rows) {
    out += "|";
    for (const auto& c : r) out += " " + c + " |";
    out += "\n";
  }
  return out + "\n";
}

std::string risk_cell(const std::string& risk) {
  return risk == "critical" || risk == "high" ? "**" + risk + "**" : risk;
}

}  // namespace

std::string render_markdown(const Report& rep) {
  std::string out = "# syscribe review report\n\n";
  if (rep.input.refused)
    out += fmt::format("**Refused:** {} high-risk syscall(s) without a review decision; no profile was written.\n\n",
                       rep.unreviewed.size());
  out += table({"", ""},
               {{"Evidence", cell(fmt::format("{}", fmt::join(rep.input.evidence, ", ")))},
                {"Profile", cell(rep.input.profile.empty() ? "(none)"
                                                          : fmt::format("{} ({})", rep.input.profile, rep.input.format))},
                {"Default action", cell(rep.default_action)},
                {"Runtime tail", cell(rep.runtime)},
                {"Allowed syscalls", std::to_string(rep.allowed)}});

  if (!rep.unreviewed.empty()) {
    out += "## Needs a decision\n\nHigh-risk syscalls are never allowed silently. Add a decision for each to the "
           "`--review` file (`syscribe review init` writes a skeleton).\n\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& u : rep.unreviewed)
      rows.push_back({u.syscall, risk_cell(std::string(sys::risk_name(u.risk))), cell(u.reason), cell(uses_text(u.uses))});
    out += table({"Syscall", "Risk", "Why it is risky", "Used by (phases)"}, rows);
  }

  out += "## Architectures\n\n";
  {
    std::vector<std::vector<std::string>> rows;
    for (const auto& [a, why] : rep.arches) rows.push_back({a, cell(why)});
    out += table({"Architecture", "Why listed"}, rows);
    out += "Compat arches (i386 and x32 on x86_64, arm on aarch64) are listed only when observed or asked for: "
           "listing one opens its whole syscall table.\n\n";
  }

  out += "## Syscalls\n\nSorted by risk. *Only by* flags syscalls that only an entrypoint shell or a helper tool "
         "made: the application itself never asked for them.\n\n";
  if (std::string tail = runtime_tail_intro(rep); !tail.empty()) out += tail + "\n\n";
  {
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : rep.rows)
      rows.push_back({"`" + r.syscall + "`", risk_cell(r.risk), cell(r.action), std::to_string(r.count),
                      cell(r.processes), cell(r.only_by), cell(r.phases), cell(r.arg_values), cell(r.filters),
                      cell(r.origins), cell(r.decision), cell(r.decision_reason), cell(r.docker)});
    out += table({"Syscall", "Risk", "Action", "Count", "Processes", "Only by", "Phases", "Argument values", "Filter",
                  "Origin", "Decision", "Reason", "Docker default"},
                 rows);
  }

  if (!rep.call_sites.empty()) {
    out += "## Where high-risk calls came from\n\nThe first call's stack, innermost frame first (recorded with "
           "`record --stacks`): the library and function that asked for it.\n\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : rep.call_sites) rows.push_back({"`" + c.syscall + "`", cell(c.process), cell(c.stack)});
    out += table({"Syscall", "Process", "Called from"}, rows);
  }

  out += "## Processes and phases\n\nDistinct syscalls per process and phase, high-risk ones named.\n\n";
  {
    std::vector<std::string> head{"Process", "Role"};
    for (const auto& p : rep.phases) head.push_back(p);
    std::vector<std::vector<std::string>> rows;
    for (const auto& m : rep.matrix) {
      std::vector<std::string> row{cell(m.process), m.role};
      for (const auto& c : m.cells)
        row.push_back(c.syscalls == 0 ? "–"
                                      : cell(c.high_risk.empty() ? std::to_string(c.syscalls)
                                                                 : fmt::format("{} ({})", c.syscalls,
                                                                               fmt::join(c.high_risk, ", "))));
      rows.push_back(std::move(row));
    }
    out += table(head, rows);
  }

  if (!rep.process_lines.empty()) {
    out += "## How each process was started\n\nThe command lines and parent chains the evidence kept (parent "
           "first), to tell an entrypoint wrapper or a helper from the application.\n\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& l : rep.process_lines)
      rows.push_back({cell(l.process), l.role, std::to_string(l.instances), code_lines(l.argvs), code_lines(l.parents)});
    out += table({"Process", "Role", "Instances", "Command line", "Started by"}, rows);
  }

  out += "## Review decisions\n\n";
  if (rep.decisions.empty()) out += no_decisions_text(rep) + "\n\n";
  else {
    std::vector<std::vector<std::string>> rows;
    for (const auto& d : rep.decisions)
      rows.push_back({cell(d.at), "`" + d.syscall + "`", d.decision, cell(d.scope), cell(d.reason), cell(d.by),
                      cell(d.date), cell(d.status)});
    out += table({"Where", "Syscall", "Decision", "Scope", "Reason", "By", "Date", "Status"}, rows);
  }
  out += "seccomp cannot tell processes or phases apart: a decision scoped to a process or phase says which uses "
         "it covers, but the profile allows or denies the syscall for every process of the container.\n\n";

  out += fmt::format("## Compared with Docker's default profile\n\nSource: {}.\n\n", docker_default_source());
  out += fmt::format("### Allowed beyond Docker's default ({})\n\n", rep.beyond_docker.size());
  {
    std::vector<std::vector<std::string>> rows;
    for (const auto& [n, what] : rep.beyond_docker) rows.push_back({"`" + n + "`", cell(what)});
    out += rows.empty() ? "None.\n\n" : table({"Syscall", "Docker's default"}, rows);
  }
  out += fmt::format("### Removed from Docker's default ({})\n\n", rep.removed_from_docker.size());
  out += rep.removed_from_docker.empty() ? "None.\n\n"
                                         : fmt::format("{}\n\n", fmt::join(rep.removed_from_docker, ", "));

  if (!rep.warnings.empty()) {
    out += "## Warnings\n\n";
    for (const auto& w : rep.warnings) out += "- " + w + "\n";
    out += "\n";
  }
  if (!rep.notes.empty()) {
    out += "## Notes\n\n";
    for (const auto& n : rep.notes) out += "- " + n + "\n";
    out += "\n";
  }
  return out;
}

}  // namespace syscribe::gen
