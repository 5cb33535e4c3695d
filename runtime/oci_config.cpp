#include "runtime/oci_config.h"

#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/json_read.h"

namespace syscribe::rt {

namespace {

using nlohmann::json;

// The syscribe.dev/* annotations that become `syscribe record` options.
struct RecordOption {
  const char* annotation;
  const char* option;  // empty: handled by plan_recording itself
  const char* allowed_prefixes[7];
};
const RecordOption kOptions[] = {
    {"syscribe.dev/record", "", {}},
    {"syscribe.dev/name", "", {}},
    {"syscribe.dev/evidence-dir", "", {}},
    {"syscribe.dev/ready", "--ready", {"tcp:", "unix:", "file:", "delay:", "syscall:", "log:", nullptr}},
    {"syscribe.dev/ready-timeout", "--ready-timeout", {}},
    {"syscribe.dev/reload-signal", "--reload-signal", {}},
    {"syscribe.dev/stop-signal", "--stop-signal", {}},
    {"syscribe.dev/results", "--results", {}},
};

// Identity annotations, first found wins: CRI (containerd), CRI-O, then the image spec.
const std::pair<const char*, std::vector<const char*>> kIdentity[] = {
    {"k8s.namespace", {"io.kubernetes.cri.sandbox-namespace", "io.kubernetes.pod.namespace"}},
    {"k8s.pod", {"io.kubernetes.cri.sandbox-name", "io.kubernetes.pod.name"}},
    {"k8s.container", {"io.kubernetes.cri.container-name", "io.kubernetes.container.name"}},
    {"image", {"io.kubernetes.cri.image-name", "io.kubernetes.cri-o.ImageName", "org.opencontainers.image.ref.name"}},
    {"name", {"syscribe.dev/name", "io.kubernetes.cri-o.ContainerName", "io.kubernetes.container.name",
              "io.kubernetes.cri.container-name"}},
};

bool safe_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

// A host path as an annotation may give it: absolute, no "." or ".." components, no
// doubled or trailing slash (so the prefix check below means what it says).
bool clean_path(const std::string& p) {
  if (p.empty() || p[0] != '/' || p.find('\0') != std::string::npos) return false;
  if (p == "/") return true;
  if (p.back() == '/' || p.find("//") != std::string::npos) return false;
  size_t pos = 1;
  while (pos <= p.size()) {
    size_t end = p.find('/', pos);
    std::string part = p.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    if (part == "." || part == "..") return false;
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return true;
}

bool under(const std::string& path, const std::string& root) {
  if (root == "/") return true;
  return path == root || (path.size() > root.size() && path.compare(0, root.size(), root) == 0 && path[root.size()] == '/');
}

// The host id for container id `id` through OCI id mappings (none: the same id).
uint32_t map_id(const json& linux_obj, const char* key, uint32_t id, const std::string& file) {
  if (!linux_obj.is_object() || !linux_obj.contains(key)) return id;
  const json& maps = linux_obj.at(key);
  if (!maps.is_array()) throw Error(fmt::format("{}: $.linux.{}: not an array", file, key));
  if (maps.empty()) return id;
  for (const auto& m : maps) {
    if (!m.is_object() || !m.contains("containerID") || !m.contains("hostID") || !m.contains("size") ||
        !m["containerID"].is_number_unsigned() || !m["hostID"].is_number_unsigned() || !m["size"].is_number_unsigned())
      throw Error(fmt::format("{}: $.linux.{}: each mapping needs containerID, hostID and size (numbers)", file, key));
    uint64_t c = m["containerID"].get<uint64_t>(), h = m["hostID"].get<uint64_t>(), n = m["size"].get<uint64_t>();
    if (id >= c && id - c < n && h + (id - c) <= UINT32_MAX) return static_cast<uint32_t>(h + (id - c));
  }
  throw Error(fmt::format("{}: $.linux.{}: the container's user {} has no host id", file, key, id));
}

uint32_t user_id(const json& user, const char* key, const std::string& file) {
  if (!user.is_object() || !user.contains(key)) return 0;
  const json& v = user.at(key);
  if (!v.is_number_unsigned() || v.get<uint64_t>() > UINT32_MAX)
    throw Error(fmt::format("{}: $.process.user.{}: not a user or group id", file, key));
  return static_cast<uint32_t>(v.get<uint64_t>());
}

}  // namespace

std::string evidence_name(const std::string& base, const std::string& container_id) {
  std::string id;
  for (char c : container_id)
    if (safe_char(c) && id.size() < 12) id += c;
  std::string out;
  for (char c : base) out += safe_char(c) ? c : '_';
  if (out.size() > 160) out.resize(160);
  while (!out.empty() && out[0] == '.') out.erase(0, 1);  // no hidden or ".." names
  if (out.empty()) return id.empty() ? "container" : id;
  if (id.empty() || out == id) return out;
  return out + "-" + id;
}

std::optional<Edit> plan_recording(const std::string& text, const std::string& file, const std::string& container_id,
                                   const Settings& settings) {
  json config = parse_json_text(text, file);
  if (!config.is_object()) throw Error(fmt::format("{}: $: not a JSON object", file));
  std::map<std::string, std::string> ann;
  if (config.contains("annotations")) {
    const json& a = config["annotations"];
    if (!a.is_object()) throw Error(fmt::format("{}: $.annotations: not an object", file));
    for (const auto& [k, v] : a.items()) {
      if (!v.is_string()) throw Error(fmt::format("{}: $.annotations[\"{}\"]: not a string", file, k));
      ann[k] = v.get<std::string>();
    }
  }
  auto record = ann.find(kRecordAnnotation);
  if (record == ann.end() || record->second == "false") return std::nullopt;
  if (record->second != "true")
    throw Error(fmt::format("{}: annotation {}=\"{}\": give true or false", file, kRecordAnnotation, record->second));
  // A pod annotation reaches the pod's sandbox (pause) container too: it is not the workload.
  for (const char* key : {"io.kubernetes.cri.container-type", "io.kubernetes.cri-o.ContainerType"}) {
    auto it = ann.find(key);
    if (it != ann.end() && it->second == "sandbox") return std::nullopt;
  }
  for (const auto& [k, v] : ann) {
    if (k.rfind("syscribe.dev/", 0) != 0) continue;
    const RecordOption* known = nullptr;
    for (const auto& o : kOptions)
      if (k == o.annotation) known = &o;
    if (!known) {
      std::string names;
      for (const auto& o : kOptions) names += fmt::format("{}{}", names.empty() ? "" : ", ", o.annotation);
      throw Error(fmt::format("{}: unknown annotation {} (known: {})", file, k, names));
    }
    if (v.empty() || v.find_first_of(std::string("\n\r\0", 3)) != std::string::npos)
      throw Error(fmt::format("{}: annotation {}: empty or more than one line", file, k));
    if (known->allowed_prefixes[0]) {
      bool ok = false;
      for (const char* const* p = known->allowed_prefixes; *p; ++p) ok = ok || v.rfind(*p, 0) == 0;
      if (!ok) throw Error(fmt::format("{}: annotation {}=\"{}\": give tcp:HOST:PORT, unix:PATH, file:PATH, delay:SECONDS, syscall:NAME or log:REGEX", file, k, v));
    }
    if (k == "syscribe.dev/results" && v != "true" && v != "false")
      throw Error(fmt::format("{}: annotation {}=\"{}\": give true or false", file, k, v));
  }

  if (!config.contains("process") || !config["process"].is_object() || !config["process"].contains("args") ||
      !config["process"]["args"].is_array() || config["process"]["args"].empty())
    throw Error(fmt::format("{}: $.process.args: a recorded container needs its command", file));
  json& process = config["process"];
  for (size_t i = 0; i < process["args"].size(); ++i)
    if (!process["args"][i].is_string()) throw Error(fmt::format("{}: $.process.args[{}]: not a string", file, i));
  if (settings.syscribe.empty()) throw Error("no static syscribe to mount into the container (see syscribe-runtime --help)");

  Edit edit;
  std::string dir = settings.evidence_dir;
  if (auto it = ann.find("syscribe.dev/evidence-dir"); it != ann.end()) {
    dir = it->second;
    if (!clean_path(dir))
      throw Error(fmt::format("{}: annotation syscribe.dev/evidence-dir=\"{}\": give an absolute path without . or ..", file, dir));
    std::vector<std::string> roots = settings.evidence_roots;
    if (roots.empty()) roots.push_back(settings.evidence_dir);
    bool allowed = false;
    for (const auto& r : roots) allowed = allowed || under(dir, r);
    if (!allowed)
      throw Error(fmt::format("{}: annotation syscribe.dev/evidence-dir=\"{}\": not below an allowed evidence directory ({})",
                              file, dir, fmt::join(roots, ", ")));
  }

  // Identity: what the engine's annotations say about this container.
  std::map<std::string, std::string> identity;
  for (const auto& [key, sources] : kIdentity)
    for (const char* s : sources)
      if (auto it = ann.find(s); it != ann.end() && !it->second.empty() && !identity.count(key)) identity[key] = it->second;
  if (!container_id.empty()) identity["id"] = container_id;
  std::string base;
  if (auto it = ann.find("syscribe.dev/name"); it != ann.end())
    base = it->second;
  else if (identity.count("k8s.pod"))
    base = fmt::format("{}_{}_{}", identity["k8s.namespace"], identity["k8s.pod"], identity["k8s.container"]);
  edit.name = evidence_name(base, container_id);
  edit.host_dir = dir + (dir == "/" ? "" : "/") + edit.name;

  json linux_obj = config.contains("linux") ? config["linux"] : json();
  if (config.contains("linux") && !linux_obj.is_object()) throw Error(fmt::format("{}: $.linux: not an object", file));
  const json user = process.contains("user") ? process["user"] : json();
  edit.host_uid = map_id(linux_obj, "uidMappings", user_id(user, "uid", file), file);
  edit.host_gid = map_id(linux_obj, "gidMappings", user_id(user, "gid", file), file);

  if (linux_obj.is_object() && linux_obj.contains("seccomp")) {
    const json& sc = linux_obj["seccomp"];
    size_t rules = sc.is_object() && sc.contains("syscalls") && sc["syscalls"].is_array() ? sc["syscalls"].size() : 0;
    std::string action = sc.is_object() && sc.contains("defaultAction") && sc["defaultAction"].is_string()
                             ? sc["defaultAction"].get<std::string>()
                             : "?";
    edit.notes.push_back(fmt::format(
        "the container's seccomp filter (default {}, {} rules) is removed while it is recorded: a call it denied would be "
        "hidden from the recorder",
        action, rules));
    identity["seccomp"] = fmt::format("removed while recording (default {}, {} rules)", action, rules);
    config["linux"].erase("seccomp");
  }
  // The kernel takes a seccomp filter from a task without CAP_SYS_ADMIN only under
  // no_new_privs: a non-root user, and a root without that capability (the usual container).
  // The recorder sets it for the workload itself (tracer::needs_no_new_privs), so the
  // config is left alone; the operator is told what it changes.
  bool root = user_id(user, "uid", file) == 0;
  bool sys_admin = false;
  if (process.contains("capabilities") && process["capabilities"].is_object() &&
      process["capabilities"].contains("effective") && process["capabilities"]["effective"].is_array())
    for (const auto& c : process["capabilities"]["effective"]) sys_admin = sys_admin || c == "CAP_SYS_ADMIN";
  bool nnp = process.contains("noNewPrivileges") && process["noNewPrivileges"] == true;
  if (!nnp && !(root && sys_admin))
    edit.notes.push_back("the recorder sets no_new_privs for the workload (its seccomp filter needs it without "
                         "CAP_SYS_ADMIN): setuid programs in the container do not gain privileges while recorded");

  const std::string inside = kInsideDir;
  json mounts = config.contains("mounts") ? config["mounts"] : json::array();
  if (!mounts.is_array()) throw Error(fmt::format("{}: $.mounts: not an array", file));
  mounts.push_back({{"destination", inside + "/syscribe"},
                    {"type", "bind"},
                    {"source", settings.syscribe},
                    {"options", {"bind", "ro", "nosuid", "nodev"}}});
  mounts.push_back({{"destination", inside + "/evidence"},
                    {"type", "bind"},
                    {"source", edit.host_dir},
                    {"options", {"bind", "rw", "nosuid", "nodev", "noexec"}}});
  config["mounts"] = mounts;

  json args = {inside + "/syscribe", "record", "-q", "-o", fmt::format("{}/evidence/{}.evidence.json", inside, edit.name),
               "--control", inside + "/evidence/control.sock"};
  for (const auto& [k, v] : identity) args.push_back(fmt::format("--container={}={}", k, v));
  for (const auto& o : kOptions) {
    auto it = ann.find(o.annotation);
    if (it == ann.end() || !*o.option) continue;
    if (std::string(o.option) == "--results") {
      if (it->second == "true") args.push_back("--results");
    } else {
      args.push_back(fmt::format("{}={}", o.option, it->second));
    }
  }
  args.push_back("--");
  for (const auto& a : process["args"]) args.push_back(a);
  process["args"] = args;
  edit.config = config.dump(2) + "\n";
  return edit;
}

}  // namespace syscribe::rt
