// What changed between two profiles or two evidence files, for review.
#pragma once

#include <string>
#include <vector>

#include "evidence/evidence.h"
#include "generator/profile.h"

namespace syscribe::gen {

// One difference. `line` is how diff prints it: "+ name: ...", "- name: ...", "~ name: +x -y".
struct DiffItem {
  char sign = '~';        // '+' only in B, '-' only in A, '~' in both but changed
  std::string subject;    // a syscall name, "defaultAction" or "architectures"
  std::string aspect;     // evidence: "arches", "processes" or an argument name; profiles: "rules"; or empty
  std::vector<std::string> added, removed;  // what B has and A lacks, and the reverse
  std::string line;
};

// Sorted as diff prints them; empty when the same.
std::vector<DiffItem> diff_profile_items(const Profile& a, const Profile& b);
std::vector<DiffItem> diff_evidence_items(const ev::Evidence& a, const ev::Evidence& b);
// The items' lines.
std::vector<std::string> diff_profiles(const Profile& a, const Profile& b);
std::vector<std::string> diff_evidence(const ev::Evidence& a, const ev::Evidence& b);
// The --json form (docs/json-output.md): {"format": "syscribe-diff", "version": 1, ...}.
std::string diff_json(const std::string& a, const std::string& b, bool evidence, const std::vector<DiffItem>& items);

}  // namespace syscribe::gen
