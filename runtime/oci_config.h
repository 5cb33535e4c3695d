// What syscribe-runtime changes in an OCI bundle's config.json for a container annotated
// syscribe.dev/record=true: syscribe bind-mounted in, process.args wrapped in
// `syscribe record`, an evidence directory from the host, the container's own seccomp
// filter removed. Pure (text in, text out) so it is tested and fuzzed offline.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace syscribe::rt {

inline constexpr const char* kRecordAnnotation = "syscribe.dev/record";
// Where the container sees syscribe and its evidence directory. /dev is the runtime's own
// tmpfs, so the mount points never land in the image, and it exists in every container.
inline constexpr const char* kInsideDir = "/dev/.syscribe";
inline constexpr const char* kDefaultEvidenceDir = "/var/lib/syscribe/evidence";

struct Settings {
  std::string syscribe;                            // host path of a statically linked syscribe
  std::string evidence_dir = kDefaultEvidenceDir;  // used unless syscribe.dev/evidence-dir says otherwise
  // syscribe.dev/evidence-dir must be one of these or below one (a pod must not pick any
  // host path for a writable mount). Empty: evidence_dir alone.
  std::vector<std::string> evidence_roots;
};

struct Edit {
  std::string config;     // the new config.json
  std::string name;       // the evidence file is NAME.evidence.json
  std::string host_dir;   // created on the host, owned by the container's user, mounted in
  uint32_t host_uid = 0;  // that user as the host sees it (through linux.uidMappings)
  uint32_t host_gid = 0;
  std::vector<std::string> notes;  // what changed beyond the wrapping, one line each
};

// nullopt when the container does not ask to be recorded (no annotation, "false", or a
// Kubernetes sandbox container): the caller then leaves config.json untouched. Throws Error
// "FILE: ..." for JSON that does not parse (with line:column), a config without
// process.args, or a bad syscribe.dev/* annotation (naming it).
std::optional<Edit> plan_recording(const std::string& text, const std::string& file, const std::string& container_id,
                                   const Settings& settings);

// The evidence file's base name: the Kubernetes namespace_pod_container or
// syscribe.dev/name, then the first 12 characters of the container id, made of
// [A-Za-z0-9._-] only. Exposed for tests.
std::string evidence_name(const std::string& base, const std::string& container_id);

}  // namespace syscribe::rt
