// Review decisions applied: review_policy runs the policy passes with them (the decisions,
// review and review gate passes in passes/ do the work); the refusal message and the
// skeleton `review init` writes.
#include "generator/review.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "generator/passes/passes.h"

namespace syscribe::gen {

namespace {

std::string yaml_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

const sys::SyscallInfo* stub_of(const std::string& syscall) {
  const sys::SyscallInfo* s = sys::find(syscall);
  return s && s->stub_errno != 0 ? s : nullptr;
}

bool decision_covers(const Decision& d, const Use& u) {
  return (d.process.empty() || process_matches(d.process, d.process_real, u.exe, u.comm)) &&
         (d.phase.empty() || d.phase == u.phase);
}

std::vector<Use> uses_of(const PolicyEntry& e) {
  std::vector<Use> out;
  for (const auto& p : e.processes)
    for (const auto& ph : p.phases) out.push_back({p.exe, p.comm, ph});
  std::sort(out.begin(), out.end());
  return out;
}

std::string scope_text(const Decision& d) {
  std::vector<std::string> parts;
  if (!d.process.empty()) parts.push_back("by " + d.process);
  if (!d.phase.empty()) parts.push_back("in phase " + d.phase);
  return fmt::format("{}", fmt::join(parts, " "));
}

bool is_high_risk(sys::Risk r) { return r == sys::Risk::high || r == sys::Risk::critical; }

std::string stack_text(const std::vector<std::string>& frames, size_t max_frames) {
  std::vector<std::string> shown;
  for (size_t i = 0; i < frames.size() && i < max_frames; ++i) {
    // "function (/usr/lib/x86_64-linux-gnu/libc.so.6)" -> "function (libc.so.6)"
    std::string f = frames[i];
    auto open = f.rfind(" (/");
    if (open != std::string::npos && f.back() == ')') {
      auto slash = f.rfind('/');
      f = f.substr(0, open + 2) + f.substr(slash + 1);
    }
    shown.push_back(std::move(f));
  }
  if (frames.size() > max_frames) shown.push_back("…");
  return fmt::format("{}", fmt::join(shown, " ← "));
}

std::string uses_text(const std::vector<Use>& uses) {
  std::map<std::string, std::set<std::string>> by_exe;
  std::vector<std::string> order;
  for (const auto& u : uses) {
    std::string who = u.exe.empty() ? u.comm : u.exe;
    if (!by_exe.count(who)) order.push_back(who);
    by_exe[who].insert(u.phase);
  }
  std::vector<std::string> parts;
  for (const auto& who : order) parts.push_back(fmt::format("{} ({})", who, fmt::join(by_exe[who], ", ")));
  return fmt::format("{}", fmt::join(parts, ", "));
}

const Verdict* Reviewed::verdict(const std::string& syscall) const {
  for (const auto& v : verdicts)
    if (v.syscall == syscall) return &v;
  return nullptr;
}

std::vector<const PolicyEntry*> Reviewed::built_entries() const {
  std::vector<const PolicyEntry*> out;
  for (const auto& e : policy.entries) out.push_back(&e);
  for (const auto& e : removed) out.push_back(&e);
  std::sort(out.begin(), out.end(), [](auto* x, auto* y) { return x->syscall < y->syscall; });
  return out;
}

Reviewed review_policy(const ev::Evidence& ev, const PolicyOptions& opts, Decisions decisions) {
  Reviewed r;
  r.decisions = std::move(decisions);
  PolicyBuild b = start_build(ev, opts);
  b.review = ReviewState{&r, {}, {}};
  run_passes(b);
  r.options = b.opts;
  r.policy = finish_build(std::move(b));
  return r;
}

std::string unreviewed_message(const Reviewed& r) {
  if (r.unreviewed.empty()) return "";
  std::string hint = r.decisions.file.empty()
                         ? "give --review FILE; `syscribe review init` writes a skeleton"
                         : fmt::format("add them to {}; `syscribe review init --review {} -o NEW` lists them", r.decisions.file,
                                       r.decisions.file);
  std::string out = fmt::format("{} high-risk syscall{} without a review decision ({}):", r.unreviewed.size(),
                                r.unreviewed.size() == 1 ? "" : "s", hint);
  for (const auto& u : r.unreviewed) {
    out += fmt::format("\n  {} ({}: {}): {}", u.syscall, sys::risk_name(u.risk), u.reason, uses_text(u.uses));
    for (const auto& [who, stack] : u.stacks) out += fmt::format("\n    called in {} from {}", who, stack_text(stack));
  }
  return out;
}

std::string decisions_skeleton(const Reviewed& r, const std::vector<std::string>& inputs, const std::string& date) {
  std::string out = fmt::format(
      "# Review decisions for `syscribe generate --review FILE`, written by `syscribe review init`\n"
      "# from {} on {}.\n"
      "# Each item below is a high-risk syscall the workload made. For each: set decision to allow or\n"
      "# deny and give the reason (both are required: generate refuses the file until they are filled\n"
      "# in). An allow may name only some argument values (args), and process/phase narrow where the\n"
      "# decision applies (seccomp itself cannot tell processes apart). See docs/review.md.\n"
      "decisions:\n",
      fmt::join(inputs, ", "), date);
  if (r.unreviewed.empty()) out += "  []  # nothing needs a decision\n";
  for (const auto& u : r.unreviewed) {
    out += fmt::format("  # {} ({}): {}\n", u.syscall, sys::risk_name(u.risk), u.reason);
    out += fmt::format("  #   {} by {}\n", calls_text(u.count), uses_text(u.uses));
    for (const auto& [who, stack] : u.stacks) out += fmt::format("  #   called in {} from {}\n", who, stack_text(stack));
    std::vector<std::string> filterable;
    const sys::SyscallInfo* info = sys::find(u.syscall);
    for (const auto& [arg, values] : u.arg_values) {
      std::vector<std::string> vs;
      for (const auto& [v, n] : values) vs.push_back(fmt::format("{} ({}x)", v, n));
      out += fmt::format("  #   {} seen: {}\n", arg, fmt::join(vs, ", "));
      const sys::ArgInfo* ai = info->arg(arg);
      if (ai && (ai->use == sys::ArgUse::eq || ai->use == sys::ArgUse::mask)) {
        std::vector<std::string> names;
        for (const auto& [v, n] : values) names.push_back(v);
        filterable.push_back(fmt::format("{}: [{}]", arg, fmt::join(names, ", ")));
      }
    }
    out += fmt::format("  - syscall: {}\n    decision: \"\"   # allow or deny\n    reason: \"\"     # required\n",
                       u.syscall);
    if (!filterable.empty())
      out += fmt::format("    # args: {{{}}}   # allow only these values\n", fmt::join(filterable, ", "));
    std::set<std::string> exes;
    for (const auto& use : u.uses) exes.insert(use.exe);
    if (exes.size() > 1)
      out += fmt::format("    # process: {}   # optional: only these uses\n", *exes.begin());
    out += fmt::format("    by: \"\"\n    date: {}\n", yaml_quote(date));
  }
  std::vector<std::string> labelled;
  for (const PolicyEntry* e : r.built_entries())
    if (!e->has(Origin::observed) && e->action == Action::allow && is_high_risk(e->risk))
      labelled.push_back(fmt::format("#   {} ({}): {}", e->syscall, sys::risk_name(e->risk), describe_sources(*e)));
  if (!labelled.empty())
    out += fmt::format("# High-risk syscalls the profile adds without the workload making them (runtime tail,\n"
                       "# translation): they need no decision, and the report labels them.\n{}\n",
                       fmt::join(labelled, "\n"));
  return out;
}

}  // namespace syscribe::gen
