// Kubernetes outputs for a seccomp profile (syscribe k8s): the securityContext
// snippet that selects it, a ConfigMap that holds it and a DaemonSet that copies it
// into the kubelet's seccomp directory on every node, so a pod scheduled on a new
// node never finds its Localhost profile missing.
#pragma once

#include <string>
#include <vector>

namespace syscribe::k8s {

struct Options {
  std::string name;                    // profile name: node file profiles/NAME.json
  std::string ns = "kube-system";      // namespace of the ConfigMap and DaemonSet
  std::string image = "busybox:1.36";  // installer image: needs sh, mkdir, cp, mv, cmp, sleep
  std::string kubelet_dir = "/var/lib/kubelet";  // the kubelet's --root-dir
};

// Throws a usage Error unless `name` can name the profile file and the objects
// (a DNS-1123 label short enough for the "seccomp-" prefix).
void check_name(const std::string& name);
// The same for --namespace (a DNS-1123 label of up to 63 characters).
void check_namespace(const std::string& ns);

// Name of the ConfigMap and the DaemonSet: "seccomp-NAME".
std::string object_name(const Options& o);
// Path of the profile relative to the kubelet's seccomp directory: "profiles/NAME.json".
std::string localhost_profile(const Options& o);

// A profile as the kubelet must find it: flat OCI JSON (containerd unmarshals into
// the OCI struct and silently drops Docker-only fields).
struct FlatProfile {
  std::string text;                  // byte-equal to the input when nothing changed
  std::vector<std::string> changes;  // what a conversion did, one line each
};

// Checks `text`, read from `file`. Docker-only fields with a flat equivalent are
// converted (archMap -> architectures, name -> names, comments and empty
// includes/excludes dropped); conditional includes/excludes and unknown fields are
// refused with Error "FILE: $.json.path: why".
FlatProfile flatten_profile(const std::string& text, const std::string& file);

// YAML documents (each ends with a newline, no "---").
std::string security_context_snippet(const Options& o);
std::string configmap_yaml(const Options& o, const std::string& profile_text);
std::string daemonset_yaml(const Options& o);

// ---- syscribe k8s --recorder: record pods where they run, through syscribe-runtime.

struct RecorderOptions {
  std::string ns = "kube-system";
  std::string image;                 // holds /syscribe/syscribe-runtime, /syscribe/syscribe-static, and sh, cp, mv
  std::string engine = "containerd";  // or "cri-o": which drop-in the installer writes
  std::string install_dir = "/opt/syscribe";               // on the node: bin/ holds the wrapper
  std::string evidence_dir = "/var/lib/syscribe/evidence";  // on the node
};
inline constexpr const char* kRecorderHandler = "syscribe-record";  // RuntimeClass and handler name

// Throws a usage Error for an engine other than containerd or cri-o, or paths that are
// not absolute.
void check_recorder(const RecorderOptions& o);
// The RuntimeClass "syscribe-record" (handler syscribe-record).
std::string runtime_class_yaml();
// The engine's drop-in that registers the handler: containerd's
// /etc/containerd/conf.d/syscribe-record.toml (pod annotations syscribe.dev/* passed to
// the runtime) or CRI-O's /etc/crio/crio.conf.d/90-syscribe-record.conf.
std::string engine_dropin(const RecorderOptions& o);
std::string engine_dropin_path(const RecorderOptions& o);
// The DaemonSet "syscribe-recorder": copies the two programs and their configuration
// into INSTALL_DIR/bin, writes the drop-in, and keeps the evidence directory mounted
// read-only at /evidence for collection (kubectl exec ... tar).
std::string recorder_daemonset_yaml(const RecorderOptions& o);

// A string as a YAML scalar: plain when unambiguous, double-quoted otherwise.
// Exposed for tests.
std::string yaml_scalar(const std::string& s);

}  // namespace syscribe::k8s
