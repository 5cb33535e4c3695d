// The review report as one self-contained HTML file: inline CSS, no scripts, nothing fetched.
// Tables carry ids and data- attributes so tests (and people's tools) can read them back.
#include <algorithm>

#include <fmt/format.h>

#include "generator/report.h"

namespace syscribe::gen {

namespace {

std::string esc(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string lines(const std::vector<std::string>& items, const std::string& cls = "") {
  std::string out;
  for (const auto& i : items)
    out += cls.empty() ? fmt::format("<div>{}</div>", esc(i)) : fmt::format("<div class=\"{}\">{}</div>", cls, esc(i));
  return out;
}

// Processes named in a syscall row; the rest are listed under it.
constexpr size_t kRowProcesses = 3;

std::string badge(const std::string& risk) { return fmt::format("<span class=\"risk {0}\">{0}</span>", esc(risk)); }

constexpr std::string_view kStyle = R"css(
:root { --fg:#1d232b; --muted:#5b6673; --line:#d9dee5; --bg:#ffffff; --head:#f3f5f8; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg);
       background: var(--bg); margin: 0 auto; padding: 24px 28px 60px; max-width: 1500px; }
h1 { font-size: 24px; margin: 0 0 12px; }
h2 { font-size: 18px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 20px 0 6px; }
p, li { max-width: 110ch; }
.muted { color: var(--muted); }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: 12.5px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 12px; }
th, td { border: 1px solid var(--line); padding: 5px 7px; text-align: left; vertical-align: top; overflow-wrap: break-word; }
/* Fixed columns: a long path or flag list wraps inside its cell instead of widening the table
   past the window, so Origin, Decision and Docker default stay on screen and on paper. Paths
   and flag lists (mono) break anywhere; words of prose do not. */
table.fixed { table-layout: fixed; }
table.fixed td, .mono { overflow-wrap: anywhere; }
col.p-process { width: 22%; } col.p-role { width: 11%; } col.p-instances { width: 9.5%; } col.p-argv { width: 35.5%; }
col.p-parents { width: 22%; }
col.c-name { width: 13%; } col.c-action { width: 7%; } col.c-count { width: 5.5%; } col.c-procs { width: 20%; }
col.c-phases { width: 7.5%; } col.c-origin { width: 18%; } col.c-decision { width: 18%; } col.c-docker { width: 11%; }
tr.has-detail td { border-bottom: none; }
tr.detail td { border-top: none; padding-top: 0; background: #fafbfc; font-size: 12.5px; }
tr.detail .label { color: var(--muted); font-size: 12px; margin-right: 4px; }
td.name .risk { margin-top: 3px; }
th { background: var(--head); font-weight: 600; position: sticky; top: 0; z-index: 1; }
table.summary { width: auto; }
table.summary th { position: static; width: 12em; }
tr.removed td { color: var(--muted); text-decoration: line-through; text-decoration-color: #b0b7c0; }
tr.removed td.decision, tr.removed td.name { text-decoration: none; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.name code { font-weight: 600; font-size: 13px; }
.small { font-size: 12px; color: var(--muted); }
.risk { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12px; font-weight: 600; }
.risk.low { background: #e7f4ea; color: #1d6b33; }
.risk.medium { background: #fdf3d7; color: #7a5700; }
.risk.high { background: #fde4d0; color: #9a3c00; }
.risk.critical { background: #f9d3d3; color: #9b1111; }
.flag { display: inline-block; margin-top: 3px; padding: 0 6px; border-radius: 4px; background: #e8e2fb;
        color: #4a2fa0; font-size: 12px; }
.dec-allow { color: #1d6b33; font-weight: 600; }
.dec-deny { color: #9b1111; font-weight: 600; }
.dec-needed { color: #fff; background: #b3261e; padding: 0 6px; border-radius: 4px; font-weight: 600; }
.dec-not-needed { color: var(--muted); }
.reason { font-size: 12.5px; margin-top: 2px; }
.banner { border: 2px solid #b3261e; background: #fdecea; padding: 10px 14px; border-radius: 6px; margin: 12px 0; }
.ok { border: 1px solid #9fcfab; background: #eef8f0; padding: 8px 14px; border-radius: 6px; margin: 12px 0; }
td.cell-empty { color: #b0b7c0; text-align: center; }
td.cell-hot { background: #fff1f0; }
.names { columns: 6 9em; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; }
ul.plain { padding-left: 18px; }
@page { size: A4; margin: 12mm; }
@media print {
  body { font-size: 10px; padding: 0; max-width: none; }
  h1 { font-size: 18px; } h2 { font-size: 14px; margin-top: 18px; break-after: avoid; } h3 { font-size: 12px; }
  p, li { max-width: none; }
  code, .mono, td.name code { font-size: 9.5px; }
  .small, .reason, .risk, .flag, tr.detail .label { font-size: 9px; }
  th { position: static; }
  th, td { padding: 3px 4px; }
  tr { break-inside: avoid; }
  .names { columns: 5 7em; font-size: 9px; }
  tr.detail td { font-size: 9.5px; }
  col.c-name { width: 13%; } col.c-action { width: 8.5%; } col.c-count { width: 6.5%; } col.c-procs { width: 17%; }
  col.c-phases { width: 8%; } col.c-origin { width: 17%; } col.c-decision { width: 17.5%; } col.c-docker { width: 12.5%; }
}
)css";

}  // namespace

std::string render_html(const Report& rep) {
  std::string o;
  o += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n";
  o += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n";
  o += fmt::format("<title>syscribe review report{}</title>\n", rep.input.profile.empty() ? "" : ": " + esc(rep.input.profile));
  o += fmt::format("<style>{}</style>\n</head>\n<body>\n<h1>syscribe review report</h1>\n", kStyle);

  if (rep.input.refused)
    o += fmt::format("<div class=\"banner\" id=\"status\" data-status=\"refused\"><strong>Refused:</strong> {} high-risk "
                     "syscall(s) have no review decision, so no profile was written. See <a href=\"#pending\">Needs a "
                     "decision</a>.</div>\n",
                     rep.unreviewed.size());
  else
    o += fmt::format("<div class=\"ok\" id=\"status\" data-status=\"written\">Profile written: <code>{}</code> ({}); "
                     "{} syscalls allowed.</div>\n",
                     esc(rep.input.profile.empty() ? "(not written)" : rep.input.profile), esc(rep.input.format), rep.allowed);

  o += "<table class=\"summary\" id=\"summary\">\n";
  auto srow = [&](const std::string& k, const std::string& v) { o += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", k, v); };
  srow("Evidence", esc(fmt::format("{}", fmt::join(rep.input.evidence, ", "))));
  srow("Default action", "<code>" + esc(rep.default_action) + "</code>");
  srow("Runtime tail", esc(rep.runtime));
  std::string arches;
  for (const auto& [a, why] : rep.arches) arches += fmt::format("<div><code>{}</code> <span class=\"small\">{}</span></div>", esc(a), esc(why));
  srow("Architectures", arches);
  srow("Allowed syscalls", std::to_string(rep.allowed));
  o += "</table>\n<p class=\"small\">Compat arches (i386 and x32 on x86_64, arm on aarch64) are listed only when "
       "observed or asked for: listing one opens its whole syscall table.</p>\n";

  if (!rep.unreviewed.empty()) {
    o += "<h2 id=\"pending\">Needs a decision</h2>\n<p>High-risk syscalls are never allowed silently. Add a decision "
         "for each to the <code>--review</code> file (<code>syscribe review init</code> writes a skeleton).</p>\n";
    o += "<table id=\"pending-table\"><thead><tr><th>Syscall</th><th>Risk</th><th>Why it is risky</th>"
         "<th>Used by (phases)</th></tr></thead><tbody>\n";
    for (const auto& u : rep.unreviewed)
      o += fmt::format("<tr data-syscall=\"{0}\"><td class=\"name\"><code>{0}</code></td><td>{1}</td><td>{2}</td>"
                       "<td>{3}</td></tr>\n",
                       esc(u.syscall), badge(std::string(sys::risk_name(u.risk))), esc(u.reason), esc(uses_text(u.uses)));
    o += "</tbody></table>\n";
  }

  o += "<h2 id=\"syscalls\">Syscalls</h2>\n<p class=\"small\">Sorted by risk. A purple flag marks syscalls only an "
       "entrypoint shell or a helper tool made: the application itself never asked for them. Argument values "
       "are the ones recorded; the filter is what the profile allows.</p>\n";
  if (std::string tail = runtime_tail_intro(rep); !tail.empty())
    o += fmt::format("<p class=\"small\" id=\"runtime-tail\">{}</p>\n", esc(tail));
  o += "<table id=\"syscalls-table\" class=\"fixed\"><colgroup><col class=\"c-name\"/><col class=\"c-action\"/>"
       "<col class=\"c-count\"/><col class=\"c-procs\"/><col class=\"c-phases\"/><col class=\"c-origin\"/>"
       "<col class=\"c-decision\"/><col class=\"c-docker\"/></colgroup><thead><tr><th>Syscall</th><th>Action</th>"
       "<th>Count</th><th>Processes</th><th>Phases</th><th>Origin</th><th>Decision</th><th>Docker default</th>"
       "</tr></thead><tbody>\n";
  for (const auto& r : rep.rows) {
    bool removed = r.action.rfind("removed", 0) == 0;
    // The first processes in the row; all of them, the argument values and the filter go
    // under it, across the whole table, where long text has room.
    std::vector<std::string> first(r.processes.begin(), r.processes.begin() + std::min(r.processes.size(), kRowProcesses));
    std::string procs = lines(first, "mono");
    if (r.processes.size() > first.size())
      procs += fmt::format("<div class=\"small\">and {} more, listed below</div>", r.processes.size() - first.size());
    if (!r.only_by.empty()) procs += fmt::format("<span class=\"flag\" data-only-by=\"{0}\">only {0}</span>", esc(r.only_by));
    std::string detail;
    if (r.processes.size() > first.size())
      detail += fmt::format("<div class=\"all-processes\"><span class=\"label\">All processes:</span>"
                            "<span class=\"mono\">{}</span></div>",
                            esc(fmt::format("{}", fmt::join(r.processes, ", "))));
    if (!r.arg_values.empty())
      detail += fmt::format("<div class=\"args\"><span class=\"label\">Argument values seen:</span>"
                            "<span class=\"mono\">{}</span></div>",
                            esc(fmt::format("{}", fmt::join(r.arg_values, "; "))));
    for (const auto& f : r.filters)
      detail += fmt::format("<div class=\"filter\"><span class=\"label\">Filter:</span>{}</div>", esc(f));
    std::string dec;
    if (!r.decision.empty()) {
      std::string dcls = r.decision == "not needed" ? "not-needed" : r.decision;
      dec = fmt::format("<span class=\"dec-{}\">{}</span>", dcls, esc(r.decision));
      if (!r.decision_reason.empty()) dec += fmt::format("<div class=\"reason\">{}</div>", esc(r.decision_reason));
    }
    std::string cls = removed ? "removed" : "";
    if (!detail.empty()) cls += cls.empty() ? "has-detail" : " has-detail";
    o += fmt::format(
        "<tr{0} data-syscall=\"{1}\" data-risk=\"{2}\" data-action=\"{3}\" data-decision=\"{4}\">"
        "<td class=\"name\"><code>{1}</code><div class=\"small\">{5}</div><div title=\"{6}\">{7}</div></td>"
        "<td class=\"action\">{3}</td><td class=\"num\">{8}</td><td class=\"processes\">{9}</td>"
        "<td class=\"phases\">{10}</td><td class=\"origin small\">{11}</td>"
        "<td class=\"decision\">{12}</td><td class=\"docker small\">{13}</td></tr>\n",
        cls.empty() ? "" : " class=\"" + cls + "\"", esc(r.syscall), esc(r.risk), esc(r.action), esc(r.decision),
        esc(r.category), esc(r.risk_reason), badge(r.risk), r.count ? std::to_string(r.count) : "", procs,
        esc(fmt::format("{}", fmt::join(r.phases, ", "))), lines(r.origins), dec, esc(r.docker));
    if (!detail.empty())
      o += fmt::format("<tr class=\"detail{}\" data-detail-of=\"{}\"><td colspan=\"8\">{}</td></tr>\n",
                       removed ? " removed" : "", esc(r.syscall), detail);
  }
  o += "</tbody></table>\n";

  if (!rep.call_sites.empty()) {
    o += "<h2 id=\"call-sites\">Where high-risk calls came from</h2>\n<p class=\"small\">The first call's stack, "
         "innermost frame first (recorded with <code>record --stacks</code>): the library and function that asked "
         "for it.</p>\n<table id=\"call-sites-table\"><thead><tr><th>Syscall</th><th>Process</th><th>Called from</th>"
         "</tr></thead><tbody>\n";
    for (const auto& c : rep.call_sites)
      o += fmt::format("<tr data-syscall=\"{0}\"><td class=\"name\"><code>{0}</code></td><td class=\"mono\">{1}</td>"
                       "<td class=\"mono stack\">{2}</td></tr>\n",
                       esc(c.syscall), esc(c.process), esc(c.stack));
    o += "</tbody></table>\n";
  }

  o += "<h2 id=\"matrix\">Processes and phases</h2>\n<p class=\"small\">Distinct syscalls per process and phase; "
       "high-risk ones are named.</p>\n<table id=\"matrix-table\"><thead><tr><th>Process</th><th>Role</th>";
  for (const auto& p : rep.phases) o += fmt::format("<th>{}</th>", esc(p));
  o += "</tr></thead><tbody>\n";
  for (const auto& m : rep.matrix) {
    o += fmt::format("<tr data-process=\"{0}\"><td class=\"mono\">{0}</td><td>{1}</td>", esc(m.process), esc(m.role));
    for (size_t i = 0; i < m.cells.size(); ++i) {
      const auto& c = m.cells[i];
      if (c.syscalls == 0) {
        o += fmt::format("<td class=\"cell-empty\" data-phase=\"{}\" data-count=\"0\">–</td>", esc(rep.phases[i]));
        continue;
      }
      o += fmt::format("<td class=\"num{}\" data-phase=\"{}\" data-count=\"{}\">{}", c.high_risk.empty() ? "" : " cell-hot",
                       esc(rep.phases[i]), c.syscalls, c.syscalls);
      for (const auto& h : c.high_risk) o += fmt::format(" <code>{}</code>", esc(h));
      o += "</td>";
    }
    o += "</tr>\n";
  }
  o += "</tbody></table>\n";

  if (!rep.process_lines.empty()) {
    o += "<h2 id=\"processes\">How each process was started</h2>\n<p class=\"small\">The command lines and parent "
         "chains the evidence kept (parent first), to tell an entrypoint wrapper or a helper from the application.</p>\n"
         "<table id=\"processes-table\" class=\"fixed\"><colgroup><col class=\"p-process\"/><col class=\"p-role\"/>"
         "<col class=\"p-instances\"/><col class=\"p-argv\"/><col class=\"p-parents\"/></colgroup><thead><tr><th>Process</th><th>Role</th><th>Instances</th><th>Command line</th>"
         "<th>Started by</th></tr></thead><tbody>\n";
    for (const auto& l : rep.process_lines)
      o += fmt::format("<tr data-process=\"{0}\" data-instances=\"{2}\"><td class=\"mono\">{0}</td><td>{1}</td>"
                       "<td class=\"num\">{2}</td><td class=\"argv\">{3}</td><td class=\"parents\">{4}</td></tr>\n",
                       esc(l.process), esc(l.role), l.instances, lines(l.argvs, "mono"), lines(l.parents, "mono"));
    o += "</tbody></table>\n";
  }

  o += "<h2 id=\"decisions\">Review decisions</h2>\n";
  if (rep.decisions.empty()) {
    o += fmt::format("<p id=\"no-decisions\">{}</p>\n", esc(no_decisions_text(rep)));
  } else {
    o += "<table id=\"decisions-table\"><thead><tr><th>Where</th><th>Syscall</th><th>Decision</th><th>Scope</th>"
         "<th>Reason</th><th>By</th><th>Date</th><th>Status</th></tr></thead><tbody>\n";
    for (const auto& d : rep.decisions)
      o += fmt::format("<tr data-syscall=\"{1}\" data-status=\"{7}\"><td class=\"small\">{0}</td><td><code>{1}</code>"
                       "</td><td class=\"dec-{2}\">{2}</td><td>{3}</td><td>{4}</td><td>{5}</td><td>{6}</td><td>{8}</td></tr>\n",
                       esc(d.at), esc(d.syscall), esc(d.decision), esc(d.scope), esc(d.reason), esc(d.by), esc(d.date),
                       d.status == "applied" ? "applied" : "stale", esc(d.status));
    o += "</tbody></table>\n";
  }
  o += "<p class=\"small\">seccomp cannot tell processes or phases apart: a decision scoped to a process or phase says "
       "which uses it covers, but the profile allows or denies the syscall for every process of the container.</p>\n";

  o += fmt::format("<h2 id=\"docker\">Compared with Docker's default profile</h2>\n<p class=\"small\">Source: {}.</p>\n",
                   esc(docker_default_source()));
  o += fmt::format("<h3>Allowed beyond Docker's default ({})</h3>\n", rep.beyond_docker.size());
  if (rep.beyond_docker.empty()) o += "<p>None.</p>\n";
  else {
    o += "<ul class=\"plain\" id=\"beyond-docker\">\n";
    for (const auto& [n, what] : rep.beyond_docker)
      o += fmt::format("<li data-syscall=\"{0}\"><code>{0}</code> <span class=\"small\">(Docker: {1})</span></li>\n", esc(n), esc(what));
    o += "</ul>\n";
  }
  o += fmt::format("<h3>Removed from Docker's default ({})</h3>\n", rep.removed_from_docker.size());
  if (rep.removed_from_docker.empty()) o += "<p>None.</p>\n";
  else {
    o += "<div class=\"names\" id=\"removed-from-docker\">\n";
    for (const auto& n : rep.removed_from_docker) o += fmt::format("<div data-syscall=\"{0}\">{0}</div>\n", esc(n));
    o += "</div>\n";
  }

  if (!rep.warnings.empty()) {
    o += "<h2 id=\"warnings\">Warnings</h2>\n<ul class=\"plain\">\n";
    for (const auto& w : rep.warnings) o += fmt::format("<li>{}</li>\n", esc(w));
    o += "</ul>\n";
  }
  if (!rep.notes.empty()) {
    o += "<h2 id=\"notes\">Notes</h2>\n<ul class=\"plain\">\n";
    for (const auto& n : rep.notes) o += fmt::format("<li>{}</li>\n", esc(n));
    o += "</ul>\n";
  }
  o += "</body>\n</html>\n";
  return o;
}

}  // namespace syscribe::gen
