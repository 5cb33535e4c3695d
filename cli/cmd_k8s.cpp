// syscribe k8s: what Kubernetes needs to run a workload under a Localhost profile:
// the securityContext snippet, a ConfigMap holding the profile and a DaemonSet that
// installs it under the kubelet's seccomp directory on every node.
#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <iostream>

#include <fmt/format.h>

#include "cli/options.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "generator/compile.h"
#include "generator/k8s.h"
#include "generator/profile.h"

namespace syscribe::cli {

namespace {

void make_dir(const std::string& dir) {
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) throw system_error(fmt::format("cannot create {}", dir), errno);
}

// "# " in front of every line, so the snippet can ride along in an applicable stream.
std::string commented(const std::string& yaml) {
  std::string out;
  size_t pos = 0;
  while (pos < yaml.size()) {
    size_t eol = yaml.find('\n', pos);
    std::string line = yaml.substr(pos, eol - pos);
    out += line.rfind('#', 0) == 0 ? line + "\n" : "# " + line + "\n";
    pos = eol == std::string::npos ? yaml.size() : eol + 1;
  }
  return out;
}

// syscribe k8s --recorder: the RuntimeClass and the DaemonSet that installs
// syscribe-runtime on every node.
int recorder(const po::variables_map& vm) {
  k8s::RecorderOptions o;
  o.ns = vm["namespace"].as<std::string>();
  o.engine = vm["engine"].as<std::string>();
  if (vm["image"].defaulted())
    throw usage_error("--recorder needs --image: an image holding /syscribe/syscribe-runtime and /syscribe/syscribe-static "
                      "(static builds) and sh, cp, mv (see docs/kubernetes.md)");
  o.image = vm["image"].as<std::string>();
  o.evidence_dir = vm["evidence-dir"].as<std::string>();
  k8s::check_namespace(o.ns);
  k8s::check_recorder(o);
  const std::string runtime_class = k8s::runtime_class_yaml();
  const std::string daemonset = k8s::recorder_daemonset_yaml(o);
  const std::string dropin = k8s::engine_dropin(o);
  const std::string dropin_path = k8s::engine_dropin_path(o);
  if (!vm.count("output")) {
    std::cout << runtime_class << "---\n" << daemonset;
    return 0;
  }
  std::string dir = vm["output"].as<std::string>();
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  make_dir(dir);
  make_dir(dir + "/node");
  const std::pair<std::string, const std::string*> files[] = {
      {dir + "/syscribe-record-runtimeclass.yaml", &runtime_class},
      {dir + "/syscribe-recorder-daemonset.yaml", &daemonset},
      {dir + "/node" + dropin_path.substr(dropin_path.rfind('/')), &dropin},
  };
  for (const auto& [path, content] : files) write_file_atomic(path, *content);
  for (const auto& [path, content] : files) std::cout << "wrote " << path << "\n";
  std::cout << fmt::format(
      "install: kubectl apply -f {}, then restart {} on each node; record a pod with runtimeClassName: {} and the "
      "annotation syscribe.dev/record: \"true\"; evidence lands in {} on its node\n",
      dir, o.engine, k8s::kRecorderHandler, o.evidence_dir);
  return 0;
}

}  // namespace

int cmd_k8s(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()
      ("name", po::value<std::string>(), "profile name: the node file is profiles/NAME.json (required)")
      ("namespace,n", po::value<std::string>()->default_value("kube-system"), "namespace of the ConfigMap and DaemonSet")
      ("output,o", po::value<std::string>(), "write files into DIR instead of printing to stdout")
      ("image", po::value<std::string>()->default_value("busybox:1.36"), "installer image (needs sh, mkdir, cp, mv, cmp, sleep)")
      ("kubelet-dir", po::value<std::string>()->default_value("/var/lib/kubelet"), "the kubelet's --root-dir on the nodes")
      ("recorder", "instead of a profile's manifests: the RuntimeClass syscribe-record and the DaemonSet that installs syscribe-runtime on every node")
      ("engine", po::value<std::string>()->default_value("containerd"), "with --recorder: the nodes' container engine, containerd or cri-o")
      ("evidence-dir", po::value<std::string>()->default_value("/var/lib/syscribe/evidence"), "with --recorder: where evidence is written on the nodes");
  auto p = parse_args(
      "k8s", "syscribe k8s PROFILE --name NAME [--namespace NS] [-o DIR]\n"
             "       syscribe k8s --recorder --image IMAGE [--engine containerd|cri-o] [-o DIR]",
      "PROFILE is an OCI seccomp profile ('syscribe generate --format oci'). A Docker-format\n"
      "profile is converted when that is exact (archMap, comments) and refused when it is\n"
      "not (includes/excludes conditions): containerd drops Docker-only fields silently.\n\n"
      "Without -o, prints the snippet (as comments), the ConfigMap and the DaemonSet, ready\n"
      "for 'kubectl apply -f -'. With -o DIR, writes:\n"
      "  DIR/NAME-configmap.yaml, DIR/NAME-daemonset.yaml   ('kubectl apply -f DIR')\n"
      "  DIR/snippet/NAME-securitycontext.yaml             (paste into the pod spec)\n"
      "  DIR/profiles/NAME.json                            (the node file, for image baking)\n\n"
      "With --recorder, writes what records pods where they run instead: the RuntimeClass\n"
      "syscribe-record and the DaemonSet syscribe-recorder, which copies syscribe-runtime and a\n"
      "static syscribe from IMAGE to /opt/syscribe/bin and registers the handler with the\n"
      "engine (a drop-in; restart the engine once). With -o DIR:\n"
      "  DIR/syscribe-record-runtimeclass.yaml, DIR/syscribe-recorder-daemonset.yaml\n"
      "  DIR/node/syscribe-record.toml (containerd) or DIR/node/90-syscribe-record.conf (cri-o)\n\n"
      "Examples:\n  syscribe k8s webhook.json --name webhook -o k8s/ && kubectl apply -f k8s/\n"
      "  syscribe k8s --recorder --image registry.example/syscribe:0.1 -o recorder/\n"
      "See docs/kubernetes.md.\n",
      opts, args);
  if (p.help) return 0;
  if (p.vm.count("recorder")) {
    if (!p.positional.empty()) throw usage_error("--recorder takes no PROFILE");
    return recorder(p.vm);
  }
  if (p.positional.size() != 1) throw usage_error("give exactly one PROFILE (see 'syscribe k8s --help')");
  if (!p.vm.count("name")) throw usage_error("--name NAME is required: it names the node file profiles/NAME.json");

  k8s::Options o;
  o.name = p.vm["name"].as<std::string>();
  o.ns = p.vm["namespace"].as<std::string>();
  o.image = p.vm["image"].as<std::string>();
  o.kubelet_dir = p.vm["kubelet-dir"].as<std::string>();
  k8s::check_name(o.name);
  k8s::check_namespace(o.ns);
  if (o.image.empty() || o.image.find_first_of(" \t\n") != std::string::npos)
    throw usage_error(fmt::format("--image '{}': give an image reference such as busybox:1.36", o.image));
  if (o.kubelet_dir.empty() || o.kubelet_dir[0] != '/') throw usage_error("--kubelet-dir must be an absolute path");

  const std::string& input = p.positional[0];
  const std::string text = read_file(input);
  // The values, as the runtime on every node will read them: actions, operators,
  // architectures, argument shapes (FILE:LINE:COL or the JSON path), then a libseccomp
  // compilation as runc does it. Names runc would skip are warned about.
  gen::Profile parsed = gen::parse_profile_text(text, input);
  std::vector<std::string> arches = parsed.architectures;
  for (const auto& entry : parsed.arch_map) {
    arches.push_back(entry.architecture);
    arches.insert(arches.end(), entry.sub_architectures.begin(), entry.sub_architectures.end());
  }
  for (const auto& a : arches)
    if (!sys::is_scmp_arch_name(a))
      throw Error(fmt::format("{}: unknown architecture \"{}\": runc and crun refuse the profile", input, a));
  // An arch newer than this machine's libseccomp (loongarch64 before 2.6) is left to the node's.
  auto checkable = [&](const std::string& a) {
    auto arch = sys::parse_arch(a);
    if (!arch || gen::scmp_arch_token(*arch) != 0) return true;
    std::cerr << fmt::format("syscribe k8s: warning: {}: this libseccomp cannot check the {} rules; the nodes' must know {}\n",
                             input, a, a);
    return false;
  };
  std::erase_if(parsed.architectures, [&](const std::string& a) { return !checkable(a); });
  for (auto& entry : parsed.arch_map)
    std::erase_if(entry.sub_architectures, [&](const std::string& a) { return !checkable(a); });
  gen::Evaluator compiled(parsed, {}, input);
  for (const auto& skipped : compiled.skipped())
    std::cerr << fmt::format("syscribe k8s: warning: {}: {}\n", input, skipped);
  k8s::FlatProfile profile = k8s::flatten_profile(text, input);
  for (const auto& change : profile.changes)
    std::cerr << fmt::format("syscribe k8s: {}: converted to flat OCI: {}\n", input, change);

  std::string snippet = k8s::security_context_snippet(o);
  std::string configmap = k8s::configmap_yaml(o, profile.text);
  std::string daemonset = k8s::daemonset_yaml(o);

  if (!p.vm.count("output")) {
    std::cout << commented(snippet) << "---\n" << configmap << "---\n" << daemonset;
    return 0;
  }
  std::string dir = p.vm["output"].as<std::string>();
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  make_dir(dir);
  make_dir(dir + "/snippet");
  make_dir(dir + "/profiles");
  const std::pair<std::string, const std::string*> files[] = {
      {fmt::format("{}/{}-configmap.yaml", dir, o.name), &configmap},
      {fmt::format("{}/{}-daemonset.yaml", dir, o.name), &daemonset},
      {fmt::format("{}/snippet/{}-securitycontext.yaml", dir, o.name), &snippet},
      {fmt::format("{}/profiles/{}.json", dir, o.name), &profile.text},
  };
  OutputSet outputs;  // all four or none
  for (const auto& [path, content] : files) outputs.add(path, *content);
  outputs.commit();
  for (const auto& [path, content] : files) std::cout << "wrote " << path << "\n";
  std::cout << fmt::format("install: kubectl apply -f {}   (the pods select it with localhostProfile: {})\n", dir,
                           k8s::localhost_profile(o));
  return 0;
}

}  // namespace syscribe::cli
