#include "generator/k8s.h"

#include <cctype>
#include <set>
#include <utility>
#include <variant>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/json_read.h"

namespace syscribe::k8s {

namespace {

using ojson = nlohmann::ordered_json;

// ---- A small YAML emitter: block mappings and sequences, scalars, literal blocks.

struct Node;
using Pairs = std::vector<std::pair<std::string, Node>>;
using Items = std::vector<Node>;

struct Literal {
  std::string text;
};

struct Node {
  // A rendered scalar token, a literal block, a mapping or a sequence.
  std::variant<std::string, Literal, Pairs, Items> v;
};

Node str(const std::string& s) { return {yaml_scalar(s)}; }
Node num(long long n) { return {std::to_string(n)}; }
Node boolean(bool b) { return {std::string(b ? "true" : "false")}; }
Node map(Pairs p) { return {std::move(p)}; }
Node seq(Items i) { return {std::move(i)}; }

std::string spaces(size_t n) { return std::string(n, ' '); }

// True when `s` can be a literal block: printable text only (YAML forbids most
// control characters; C1 controls are 0xC2 0x80..0x9F in UTF-8), and some
// character other than a line break.
bool literal_ok(const std::string& s) {
  if (s.find_first_not_of('\n') == std::string::npos) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\n' || c == '\t') continue;
    if (c < 0x20 || c == 0x7f) return false;
    if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(s[i + 1]) <= 0x9f)
      return false;
    if (c == 0xef && s.compare(i, 3, "\xef\xbb\xbf") == 0) return false;  // BOM
  }
  return true;
}

// "key: |" header plus the block, which keeps `text` byte for byte: the chomping
// indicator follows the trailing line breaks, the indentation indicator is given
// when the first line starts with white space (or the block with an empty line).
// In a sequence the indentation indicator is avoided (its base is easy to get
// wrong): such text is double-quoted instead.
std::string literal_block(const std::string& text, size_t indent, bool in_sequence = false) {
  bool needs_indicator = !text.empty() && (text[0] == ' ' || text[0] == '\t' || text[0] == '\n');
  if (!literal_ok(text) || (needs_indicator && in_sequence))
    return " " + nlohmann::json(text).dump(-1, ' ', /*ensure_ascii=*/true) + "\n";
  size_t body_end = text.find_last_not_of('\n') + 1;
  size_t trailing = text.size() - body_end;
  std::string header = " |";
  if (needs_indicator) header += "2";
  header += trailing == 0 ? "-" : trailing == 1 ? "" : "+";
  std::string out = header + "\n";
  size_t pos = 0;
  while (pos < body_end) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos || eol > body_end) eol = body_end;
    if (eol > pos) out += spaces(indent) + text.substr(pos, eol - pos);
    out += "\n";
    pos = eol + 1;
  }
  for (size_t i = 1; i < trailing; ++i) out += "\n";
  return out;
}

void emit(std::string& out, const Node& n, size_t indent);

// The value after "key:" or "- ", at nesting `indent` (of the key).
void emit_value(std::string& out, const Node& v, size_t indent) {
  if (auto* s = std::get_if<std::string>(&v.v)) {
    out += " " + *s + "\n";
  } else if (auto* l = std::get_if<Literal>(&v.v)) {
    out += literal_block(l->text, indent + 2);
  } else if (auto* p = std::get_if<Pairs>(&v.v)) {
    if (p->empty()) {
      out += " {}\n";
    } else {
      out += "\n";
      emit(out, v, indent + 2);
    }
  } else {
    const auto& items = std::get<Items>(v.v);
    if (items.empty()) {
      out += " []\n";
    } else {
      out += "\n";
      emit(out, v, indent);  // Kubernetes style: "- " at the key's indentation
    }
  }
}

void emit(std::string& out, const Node& n, size_t indent) {
  if (auto* p = std::get_if<Pairs>(&n.v)) {
    for (const auto& [key, value] : *p) {
      out += spaces(indent) + yaml_scalar(key) + ":";
      emit_value(out, value, indent);
    }
  } else if (auto* items = std::get_if<Items>(&n.v)) {
    for (const auto& item : *items) {
      if (auto* ip = std::get_if<Pairs>(&item.v); ip && !ip->empty()) {
        // A mapping in a sequence: its first key shares the "- " line.
        std::string inner;
        emit(inner, item, indent + 2);
        out += spaces(indent) + "- " + inner.substr(indent + 2);
      } else if (std::holds_alternative<std::string>(item.v)) {
        out += spaces(indent) + "-";
        emit_value(out, item, indent);
      } else if (auto* l = std::get_if<Literal>(&item.v)) {
        out += spaces(indent) + "-" + literal_block(l->text, indent + 2, /*in_sequence=*/true);
      } else {
        throw std::logic_error("yaml: unsupported sequence item");
      }
    }
  } else {
    throw std::logic_error("yaml: a document must be a mapping or a sequence");
  }
}

std::string document(const Node& n) {
  std::string out;
  emit(out, n, 0);
  return out;
}

Node labels(const Options& o) {
  return map({{"app.kubernetes.io/name", str("seccomp-profile-installer")},
              {"app.kubernetes.io/instance", str(object_name(o))},
              {"app.kubernetes.io/managed-by", str("syscribe")}});
}

// The pod spec a node installer DaemonSet starts with: no API access, every node (every
// taint), the runtime's default seccomp profile, and critical priority where the API server
// admits it by default (kube-system) to keep the installer ahead of workloads on a full node.
Pairs installer_pod_spec(const std::string& ns) {
  Pairs pod_spec;
  if (ns == "kube-system") pod_spec.push_back({"priorityClassName", str("system-node-critical")});
  pod_spec.push_back({"automountServiceAccountToken", boolean(false)});
  pod_spec.push_back({"enableServiceLinks", boolean(false)});
  pod_spec.push_back({"terminationGracePeriodSeconds", num(5)});
  pod_spec.push_back({"tolerations", seq({map({{"operator", str("Exists")}})})});
  pod_spec.push_back({"securityContext", map({{"seccompProfile", map({{"type", str("RuntimeDefault")}})}})});
  return pod_spec;
}

// The one container of an installer DaemonSet: runs `script` as root with every capability
// dropped and a read-only root, within small limits; `probe` (may be empty) is its
// readinessProbe.
Node installer_container(const std::string& image, const std::string& script, const char* cpu_limit, const char* memory_limit,
                         Pairs probe, Items volume_mounts) {
  Pairs c = {{"name", str("install")},
             {"image", str(image)},
             {"command", seq({str("/bin/sh"), str("-c"), Node{Literal{script}}})},
             {"resources", map({{"requests", map({{"cpu", str("5m")}, {"memory", str("8Mi")}})},
                                {"limits", map({{"cpu", str(cpu_limit)}, {"memory", str(memory_limit)}})}})}};
  if (!probe.empty()) c.push_back({"readinessProbe", map(std::move(probe))});
  c.push_back({"securityContext", map({{"runAsUser", num(0)},
                                       {"allowPrivilegeEscalation", boolean(false)},
                                       {"readOnlyRootFilesystem", boolean(true)},
                                       {"capabilities", map({{"drop", seq({str("ALL")})}})}})});
  c.push_back({"volumeMounts", seq(std::move(volume_mounts))});
  return map(std::move(c));
}

// ---- Profile checks

const std::set<std::string> kOciTop = {"defaultAction", "defaultErrnoRet", "architectures", "flags",
                                       "listenerPath", "listenerMetadata", "syscalls"};
const std::set<std::string> kOciRule = {"names", "action", "errnoRet", "args"};
const std::set<std::string> kOciArg = {"index", "value", "valueTwo", "op"};

// True when a Docker includes/excludes object sets no condition.
bool empty_condition(const ojson& c) {
  if (!c.is_object()) return false;
  for (const auto& [k, v] : c.items()) {
    if (v.is_null()) continue;
    if ((v.is_array() || v.is_object() || v.is_string()) && v.empty()) continue;
    return false;
  }
  return true;
}

}  // namespace

std::string yaml_scalar(const std::string& s) {
  static const std::set<std::string> kAmbiguous = {
      "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false", "False",
      "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~"};
  bool plain = !s.empty() && (std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '/' || s[0] == '_') &&
               s.back() != ':' && !kAmbiguous.count(s);
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '/' || c == '-' || c == ':'))
      plain = false;
  if (plain) return s;
  return nlohmann::json(s).dump(-1, ' ', /*ensure_ascii=*/true);
}

namespace {

// A DNS-1123 label of at most `max` characters, as the API server requires of names.
void check_label(const char* option, const std::string& value, size_t max) {
  bool ok = !value.empty() && value.size() <= max && value.front() != '-' && value.back() != '-';
  for (char c : value)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-'))
      ok = false;
  if (!ok)
    throw usage_error(fmt::format("{} '{}': use lowercase letters, digits and '-' (at most {} characters, "
                                  "not starting or ending with '-')",
                                  option, value, max));
}

}  // namespace

void check_name(const std::string& name) { check_label("--name", name, 63 - 8); }  // a label, after "seccomp-"
void check_namespace(const std::string& ns) { check_label("--namespace", ns, 63); }

std::string object_name(const Options& o) { return "seccomp-" + o.name; }
std::string localhost_profile(const Options& o) { return "profiles/" + o.name + ".json"; }

FlatProfile flatten_profile(const std::string& text, const std::string& file) {
  parse_json_text(text, file);  // syntax errors with FILE:LINE:COL
  ojson j = ojson::parse(text);
  auto fail = [&](const std::string& path, const std::string& why) -> Error {
    return Error(fmt::format("{}: {}: {}", file, path, why));
  };
  if (!j.is_object()) throw fail("$", "a seccomp profile is a JSON object");
  if (j.contains("kind") || j.contains("apiVersion"))
    throw fail("$", "this is a Kubernetes object, not a seccomp profile (give the profile JSON itself)");
  if (!j.contains("defaultAction") || !j["defaultAction"].is_string())
    throw fail("$.defaultAction", "missing: not a seccomp profile");

  FlatProfile out;
  if (j.contains("archMap")) {
    if (j.contains("architectures") && !j["architectures"].empty())
      throw fail("$.archMap", "both archMap and architectures are set; keep one");
    ojson arches = ojson::array();
    std::set<std::string> seen;
    for (const auto& entry : j["archMap"]) {
      std::vector<ojson> names;
      if (entry.contains("architecture")) names.push_back(entry["architecture"]);
      if (entry.contains("subArchitectures"))
        for (const auto& a : entry["subArchitectures"]) names.push_back(a);
      for (const auto& a : names) {
        if (!a.is_string()) throw fail("$.archMap", "architecture names must be strings");
        if (seen.insert(a.get<std::string>()).second) arches.push_back(a);
      }
    }
    j.erase("archMap");
    j["architectures"] = arches;
    out.changes.push_back(fmt::format("archMap flattened to architectures [{}]", fmt::join(seen, ", ")));
  }
  if (j.contains("comment")) {
    j.erase("comment");
    out.changes.push_back("dropped the top-level comment");
  }
  for (const auto& [key, value] : j.items())
    if (!kOciTop.count(key)) throw fail("$." + key, "unknown field (containerd would silently drop it)");

  if (j.contains("syscalls")) {
    if (!j["syscalls"].is_array()) throw fail("$.syscalls", "must be an array");
    size_t comments = 0, conditions = 0, single_names = 0;
    for (size_t i = 0; i < j["syscalls"].size(); ++i) {
      ojson& rule = j["syscalls"][i];
      std::string at = fmt::format("$.syscalls[{}]", i);
      if (!rule.is_object()) throw fail(at, "must be an object");
      if (rule.contains("name")) {
        if (!rule["name"].is_string()) throw fail(at + ".name", "must be a string");
        if (!rule.contains("names")) rule["names"] = ojson::array();
        rule["names"].push_back(rule["name"]);
        rule.erase("name");
        ++single_names;
      }
      if (rule.contains("comment")) {
        rule.erase("comment");
        ++comments;
      }
      for (const char* cond : {"includes", "excludes"}) {
        if (!rule.contains(cond)) continue;
        if (!empty_condition(rule[cond]))
          throw fail(at + "." + cond,
                     "a Docker-only condition (caps, arches, minKernel) has no OCI form: containerd would "
                     "drop it and apply the rule to every container. Generate the profile with "
                     "'syscribe generate --format oci', or resolve the condition by hand");
        rule.erase(cond);
        ++conditions;
      }
      for (const auto& [key, value] : rule.items())
        if (!kOciRule.count(key)) throw fail(at + "." + key, "unknown field (containerd would silently drop it)");
      if (!rule.contains("names") || !rule["names"].is_array()) throw fail(at + ".names", "missing or not an array");
      if (!rule.contains("action") || !rule["action"].is_string()) throw fail(at + ".action", "missing");
      if (rule.contains("args")) {
        for (size_t a = 0; a < rule["args"].size(); ++a)
          for (const auto& [key, value] : rule["args"][a].items())
            if (!kOciArg.count(key))
              throw fail(fmt::format("{}.args[{}].{}", at, a, key), "unknown field (containerd would silently drop it)");
      }
    }
    if (single_names) out.changes.push_back(fmt::format("{} single 'name' fields moved into 'names'", single_names));
    if (comments) out.changes.push_back(fmt::format("dropped {} rule comments", comments));
    if (conditions) out.changes.push_back(fmt::format("dropped {} empty includes/excludes", conditions));
  }

  out.text = out.changes.empty() ? text : j.dump(2) + "\n";
  // A ConfigMap holds at most 1 MiB, names and YAML included.
  if (out.text.size() > 1000 * 1000)
    throw Error(fmt::format("{}: {} bytes is too large for a ConfigMap (1 MiB)", file, out.text.size()));
  return out;
}

std::string security_context_snippet(const Options& o) {
  return "# Put under spec.template.spec (a Deployment), spec (a Pod) for every container,\n"
         "# or under one container to confine only that one.\n" +
         document(map({{"securityContext",
                        map({{"seccompProfile", map({{"type", str("Localhost")},
                                                     {"localhostProfile", str(localhost_profile(o))}})}})}}));
}

std::string configmap_yaml(const Options& o, const std::string& profile_text) {
  return document(map({{"apiVersion", str("v1")},
                       {"kind", str("ConfigMap")},
                       {"metadata", map({{"name", str(object_name(o))}, {"namespace", str(o.ns)}, {"labels", labels(o)}})},
                       {"data", map({{o.name + ".json", Node{Literal{profile_text}}}})}}));
}

std::string daemonset_yaml(const Options& o) {
  const std::string file = o.name + ".json";
  // Copies through a temporary file and rename, so the kubelet never reads half a
  // profile; re-checks every 30 s because ConfigMap volumes follow updates. The
  // file is left in place when the DaemonSet goes: running pods may still need it.
  const std::string script = fmt::format(
      "set -eu\n"
      "src=/profile/{0}\n"
      "dst=/host/seccomp/profiles/{0}\n"
      "trap 'exit 0' TERM INT\n"
      "mkdir -p /host/seccomp/profiles\n"
      "while true; do\n"
      "  if ! cmp -s \"$src\" \"$dst\"; then\n"
      "    cp \"$src\" \"$dst.tmp\" && mv -f \"$dst.tmp\" \"$dst\" && echo \"installed $dst\"\n"
      "  fi\n"
      "  sleep 30 & wait $!\n"
      "done\n",
      file);
  Pairs pod_spec = installer_pod_spec(o.ns);
  pod_spec.push_back(
      {"containers",
       seq({installer_container(
           o.image, script, "50m", "32Mi",
           {{"exec", map({{"command", seq({str("cmp"), str("-s"), str("/profile/" + file),
                                            str("/host/seccomp/profiles/" + file)})}})},
            {"periodSeconds", num(10)}},
           {map({{"name", str("profile")}, {"mountPath", str("/profile")}, {"readOnly", boolean(true)}}),
            map({{"name", str("kubelet-seccomp")}, {"mountPath", str("/host/seccomp")}})})})});
  pod_spec.push_back(
      {"volumes",
       seq({map({{"name", str("profile")}, {"configMap", map({{"name", str(object_name(o))}})}}),
            map({{"name", str("kubelet-seccomp")},
                 {"hostPath", map({{"path", str(o.kubelet_dir + "/seccomp")}, {"type", str("DirectoryOrCreate")}})}})})});

  return document(map(
      {{"apiVersion", str("apps/v1")},
       {"kind", str("DaemonSet")},
       {"metadata", map({{"name", str(object_name(o))}, {"namespace", str(o.ns)}, {"labels", labels(o)}})},
       {"spec", map({{"selector", map({{"matchLabels", map({{"app.kubernetes.io/instance", str(object_name(o))}})}})},
                     {"updateStrategy", map({{"type", str("RollingUpdate")}})},
                     {"template", map({{"metadata", map({{"labels", labels(o)}})}, {"spec", map(std::move(pod_spec))}})}})}}));
}

void check_recorder(const RecorderOptions& o) {
  if (o.engine != "containerd" && o.engine != "cri-o")
    throw usage_error(fmt::format("--engine '{}': give containerd or cri-o", o.engine));
  for (const auto* p : {&o.install_dir, &o.evidence_dir})
    if (p->empty() || (*p)[0] != '/' || p->find_first_of(" \t\n'\"\\$`") != std::string::npos)
      throw usage_error(fmt::format("'{}': give an absolute path without spaces or quotes", *p));
  if (o.image.empty() || o.image.find_first_of(" \t\n") != std::string::npos)
    throw usage_error(fmt::format("--image '{}': give an image reference", o.image));
}

std::string runtime_class_yaml() {
  return document(map({{"apiVersion", str("node.k8s.io/v1")},
                       {"kind", str("RuntimeClass")},
                       {"metadata", map({{"name", str(kRecorderHandler)},
                                         {"labels", map({{"app.kubernetes.io/managed-by", str("syscribe")}})}})},
                       {"handler", str(kRecorderHandler)}}));
}

std::string engine_dropin_path(const RecorderOptions& o) {
  return o.engine == "containerd" ? "/etc/containerd/conf.d/syscribe-record.toml"
                                  : "/etc/crio/crio.conf.d/90-syscribe-record.conf";
}

std::string engine_dropin(const RecorderOptions& o) {
  const std::string bin = o.install_dir + "/bin/syscribe-runtime";
  if (o.engine == "containerd")
    // containerd 1.x CRI plugin (config version 2); the runc shim calls BinaryName as it
    // would call runc. pod_annotations lets the pod's syscribe.dev/* annotations reach
    // config.json, where the wrapper reads them.
    return fmt::format(
        "# Written by the syscribe-recorder DaemonSet. containerd reads it when config.toml has\n"
        "# imports = [\"/etc/containerd/conf.d/*.toml\"], after a restart.\n"
        "version = 2\n"
        "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.{0}]\n"
        "  runtime_type = \"io.containerd.runc.v2\"\n"
        "  pod_annotations = [\"syscribe.dev/*\"]\n"
        "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.{0}.options]\n"
        "  BinaryName = \"{1}\"\n",
        kRecorderHandler, bin);
  return fmt::format(
      "# Written by the syscribe-recorder DaemonSet. CRI-O reads crio.conf.d/ after a restart.\n"
      "[crio.runtime.runtimes.{0}]\n"
      "runtime_path = \"{1}\"\n"
      "runtime_type = \"oci\"\n"
      "runtime_root = \"/run/{0}\"\n",
      kRecorderHandler, bin);
}

std::string recorder_daemonset_yaml(const RecorderOptions& o) {
  const std::string dropin = engine_dropin_path(o);
  const std::string dropin_dir = dropin.substr(0, dropin.rfind('/'));
  // Installs by copy and rename (a node never runs half a binary), then stays up so the
  // evidence directory can be read through it. Registering needs an engine restart, which
  // this pod does not do: the operator restarts the engine once per node (docs/kubernetes.md).
  const std::string script = fmt::format(
      "set -eu\n"
      "bin=/host/install/bin\n"
      "mkdir -p \"$bin\" /host/dropin\n"
      "for f in syscribe-runtime syscribe-static; do\n"
      "  cp /syscribe/$f \"$bin/$f.tmp\" && chmod 755 \"$bin/$f.tmp\" && mv -f \"$bin/$f.tmp\" \"$bin/$f\"\n"
      "done\n"
      "cat > \"$bin/syscribe-runtime.conf.tmp\" <<'CONF'\n"
      "runtime = runc\n"
      "evidence-dir = {0}\n"
      "CONF\n"
      "mv -f \"$bin/syscribe-runtime.conf.tmp\" \"$bin/syscribe-runtime.conf\"\n"
      "cat > /host/dropin/{1}.tmp <<'DROPIN'\n"
      "{2}"
      "DROPIN\n"
      "mv -f /host/dropin/{1}.tmp /host/dropin/{1}\n"
      "echo \"installed {3}/bin/syscribe-runtime; registered in {4} (takes effect when {5} restarts)\"\n"
      "trap 'exit 0' TERM INT\n"
      "while true; do sleep 3600 & wait $!; done\n",
      o.evidence_dir, dropin.substr(dropin.rfind('/') + 1), engine_dropin(o), o.install_dir, dropin, o.engine);
  Pairs lab = {{"app.kubernetes.io/name", str("syscribe-recorder")}, {"app.kubernetes.io/managed-by", str("syscribe")}};
  Pairs pod_spec = installer_pod_spec(o.ns);
  pod_spec.push_back(
      {"containers",
       seq({installer_container(o.image, script, "100m", "64Mi", {},
                                {map({{"name", str("install")}, {"mountPath", str("/host/install")}}),
                                 map({{"name", str("dropin")}, {"mountPath", str("/host/dropin")}}),
                                 map({{"name", str("evidence")}, {"mountPath", str("/evidence")},
                                      {"readOnly", boolean(true)}})})})});
  pod_spec.push_back(
      {"volumes",
       seq({map({{"name", str("install")},
                 {"hostPath", map({{"path", str(o.install_dir)}, {"type", str("DirectoryOrCreate")}})}}),
            map({{"name", str("dropin")},
                 {"hostPath", map({{"path", str(dropin_dir)}, {"type", str("DirectoryOrCreate")}})}}),
            map({{"name", str("evidence")},
                 {"hostPath", map({{"path", str(o.evidence_dir)}, {"type", str("DirectoryOrCreate")}})}})})});
  return document(map(
      {{"apiVersion", str("apps/v1")},
       {"kind", str("DaemonSet")},
       {"metadata", map({{"name", str("syscribe-recorder")}, {"namespace", str(o.ns)}, {"labels", map(lab)}})},
       {"spec", map({{"selector", map({{"matchLabels", map({{"app.kubernetes.io/name", str("syscribe-recorder")}})}})},
                     {"updateStrategy", map({{"type", str("RollingUpdate")}})},
                     {"template", map({{"metadata", map({{"labels", map(lab)}})}, {"spec", map(std::move(pod_spec))}})}})}}));
}

}  // namespace syscribe::k8s
