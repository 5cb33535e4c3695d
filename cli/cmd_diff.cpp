// syscribe diff: what changed between two profiles or two evidence files.
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/options.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_read.h"
#include "evidence/evidence.h"
#include "generator/diff.h"
#include "generator/profile.h"

namespace syscribe::cli {

int cmd_diff(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()("json", "print the differences as one JSON document (docs/json-output.md); same exit status");
  auto p = parse_args("diff", "syscribe diff [--json] A B",
                      "A and B are both profiles (OCI, Docker, SPO JSON) or both evidence files.\n"
                      "Lines: '+' in B only, '-' in A only, '~' changed. Exit 0 when the same, 1 when\n"
                      "different, 2 on trouble (like diff(1)).\n",
                      opts, args);
  if (p.help) return 0;
  if (p.positional.size() != 2) throw usage_error("give two files: syscribe diff A B");
  std::vector<gen::DiffItem> items;
  bool evidence = false;
  try {
    const auto& a = p.positional[0];
    const auto& b = p.positional[1];
    std::string ta = read_file(a), tb = read_file(b);
    // Evidence is always JSON; profiles may also be SPO YAML.
    auto is_json = [](const std::string& t) {
      size_t i = t.find_first_not_of(" \t\r\n");
      return i != std::string::npos && t[i] == '{';
    };
    nlohmann::json ja = is_json(ta) ? parse_json_text(ta, a) : nlohmann::json();
    nlohmann::json jb = is_json(tb) ? parse_json_text(tb, b) : nlohmann::json();
    bool ev_a = ev::is_evidence(ja), ev_b = ev::is_evidence(jb);
    if (ev_a != ev_b)
      throw usage_error(fmt::format("{} is {} and {} is {}: compare two profiles or two evidence files", a,
                                    ev_a ? "evidence" : "a profile", b, ev_b ? "evidence" : "a profile"));
    evidence = ev_a;
    if (ev_a)
      items = gen::diff_evidence_items(ev::from_json(ja, a), ev::from_json(jb, b));
    else
      items = gen::diff_profile_items(gen::parse_profile_text(ta, a), gen::parse_profile_text(tb, b));
  } catch (const Error& e) {
    throw Error(e.what(), kExitUsage);  // diff(1): trouble is 2, "different" is 1
  }
  if (p.vm.count("json")) std::cout << gen::diff_json(p.positional[0], p.positional[1], evidence, items);
  else
    for (const auto& i : items) std::cout << i.line << "\n";
  return items.empty() ? kExitOk : kExitFailure;
}

}  // namespace syscribe::cli
