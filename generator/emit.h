// Output dialects of a generated policy, and the check every profile passes before it is
// written: compiled through libseccomp for every listed arch and exported.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "generator/policy.h"
#include "generator/profile.h"

namespace syscribe::gen {

// oci: flat runtime-spec linux.seccomp (containerd, the default); docker: archMap and
// comments; spo: SeccompProfile YAML; systemd: a SystemCallFilter= drop-in; bpf and pfc:
// libseccomp's compiled filter and its pseudo-code, for auditors.
enum class OutputFormat : uint8_t { oci, docker, spo, systemd, bpf, pfc };
std::optional<OutputFormat> parse_output_format(std::string_view text);
std::string_view output_format_names();  // "oci, docker, spo, systemd, bpf, pfc"

struct EmitOptions {
  OutputFormat format = OutputFormat::oci;
  std::string name = "syscribe-profile";  // SPO metadata.name, systemd comment
  std::string nspace;                     // SPO metadata.namespace
  // When set, filled with the BPF instructions the profile compiles to on each arch checked.
  std::vector<std::pair<sys::Arch, size_t>>* bpf_sizes = nullptr;
};

// Compiles `p` strictly (unknown names are errors) for each arch of the policy and exports
// the filter; returns each checked arch's size in BPF instructions. Arches this libseccomp
// does not know are skipped with a note in `notes`. Throws Error naming the rule libseccomp
// rejects, or the arch where the filter is over the kernel's BPF_MAXINSNS.
std::vector<std::pair<sys::Arch, size_t>> check_profile(const Profile& p, const std::vector<sys::Arch>& arches,
                                                        std::vector<std::string>& notes);

// Renders the policy in a format (after check_profile). Notes say what a format cannot express.
std::string emit(const Policy& pol, const EmitOptions& opts, std::vector<std::string>& notes);

}  // namespace syscribe::gen
