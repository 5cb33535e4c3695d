// What changed between two profiles or two evidence files, for review.
#pragma once

#include <string>
#include <vector>

#include "evidence/evidence.h"
#include "generator/profile.h"

namespace syscribe::gen {

// One line each: "+ name ...", "- name ...", "~ name: ...". Sorted; empty when the same.
std::vector<std::string> diff_profiles(const Profile& a, const Profile& b);
std::vector<std::string> diff_evidence(const ev::Evidence& a, const ev::Evidence& b);

}  // namespace syscribe::gen
