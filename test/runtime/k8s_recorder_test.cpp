// syscribe k8s --recorder: the RuntimeClass and the DaemonSet parsed back with yaml-cpp
// (an independent YAML parser), and the script the DaemonSet runs executed against a
// scratch directory standing in for the node.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include "core/error.h"
#include "generator/k8s.h"

namespace fs = std::filesystem;
using namespace syscribe;

namespace {

k8s::RecorderOptions opts(const std::string& engine = "containerd") {
  k8s::RecorderOptions o;
  o.image = "registry.example/syscribe:0.1";
  o.engine = engine;
  return o;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("the RuntimeClass names the syscribe-record handler", "[k8s][recorder]") {
  YAML::Node rc = YAML::Load(k8s::runtime_class_yaml());
  CHECK(rc["apiVersion"].as<std::string>() == "node.k8s.io/v1");
  CHECK(rc["kind"].as<std::string>() == "RuntimeClass");
  CHECK(rc["metadata"]["name"].as<std::string>() == "syscribe-record");
  CHECK(rc["handler"].as<std::string>() == "syscribe-record");
}

TEST_CASE("the recorder DaemonSet mounts the install, drop-in and evidence directories of the node", "[k8s][recorder]") {
  for (const std::string engine : {"containerd", "cri-o"}) {
    YAML::Node ds = YAML::Load(k8s::recorder_daemonset_yaml(opts(engine)));
    CHECK(ds["kind"].as<std::string>() == "DaemonSet");
    CHECK(ds["metadata"]["namespace"].as<std::string>() == "kube-system");
    YAML::Node spec = ds["spec"]["template"]["spec"];
    CHECK(ds["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"].as<std::string>() ==
          ds["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"].as<std::string>());
    CHECK(spec["tolerations"][0]["operator"].as<std::string>() == "Exists");
    YAML::Node c = spec["containers"][0];
    CHECK(c["image"].as<std::string>() == "registry.example/syscribe:0.1");
    CHECK(c["securityContext"]["capabilities"]["drop"][0].as<std::string>() == "ALL");
    CHECK(c["securityContext"]["readOnlyRootFilesystem"].as<bool>());
    std::map<std::string, std::string> host;
    for (const auto& v : spec["volumes"]) host[v["name"].as<std::string>()] = v["hostPath"]["path"].as<std::string>();
    CHECK(host["install"] == "/opt/syscribe");
    CHECK(host["evidence"] == "/var/lib/syscribe/evidence");
    CHECK(host["dropin"] == (engine == "containerd" ? "/etc/containerd/conf.d" : "/etc/crio/crio.conf.d"));
    bool evidence_ro = false;
    for (const auto& m : c["volumeMounts"])
      if (m["name"].as<std::string>() == "evidence") evidence_ro = m["readOnly"].as<bool>() && m["mountPath"].as<std::string>() == "/evidence";
    CHECK(evidence_ro);
  }
}

TEST_CASE("the engine drop-ins register the wrapper as the syscribe-record handler", "[k8s][recorder]") {
  std::string c = k8s::engine_dropin(opts("containerd"));
  CHECK(c.find("[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.syscribe-record]\n") != std::string::npos);
  CHECK(c.find("  BinaryName = \"/opt/syscribe/bin/syscribe-runtime\"\n") != std::string::npos);
  CHECK(c.find("  pod_annotations = [\"syscribe.dev/*\"]\n") != std::string::npos);
  std::string o = k8s::engine_dropin(opts("cri-o"));
  CHECK(o.find("[crio.runtime.runtimes.syscribe-record]\nruntime_path = \"/opt/syscribe/bin/syscribe-runtime\"\n") !=
        std::string::npos);
  CHECK(k8s::engine_dropin_path(opts("cri-o")) == "/etc/crio/crio.conf.d/90-syscribe-record.conf");
  auto bad = opts("docker");
  CHECK_THROWS_WITH(k8s::check_recorder(bad), "--engine 'docker': give containerd or cri-o");
  bad = opts();
  bad.evidence_dir = "var/lib";
  CHECK_THROWS_WITH(k8s::check_recorder(bad), "'var/lib': give an absolute path without spaces or quotes");
}

TEST_CASE("the DaemonSet's script installs the programs, the configuration and the drop-in", "[k8s][recorder]") {
  // The script as the container runs it, with the pod's paths moved under a scratch root.
  YAML::Node ds = YAML::Load(k8s::recorder_daemonset_yaml(opts("containerd")));
  std::string script = ds["spec"]["template"]["spec"]["containers"][0]["command"][2].as<std::string>();
  fs::path root = fs::temp_directory_path() / ("syscribe-recorder-test-" + std::to_string(getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "syscribe");
  for (const char* f : {"syscribe-runtime", "syscribe-static"}) std::ofstream(root / "syscribe" / f) << f;
  auto replace_all = [](std::string s, const std::string& from, const std::string& to) {
    for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) s.replace(pos, from.size(), to);
    return s;
  };
  script = replace_all(script, "/host/", root.string() + "/host/");
  script = replace_all(script, "/syscribe/$f", root.string() + "/syscribe/$f");
  script = replace_all(script, "while true; do sleep 3600 & wait $!; done", "exit 0");
  std::ofstream(root / "run.sh") << script;
  int rc = std::system(("/bin/sh " + (root / "run.sh").string() + " > /dev/null").c_str());
  REQUIRE(WIFEXITED(rc));
  CHECK(WEXITSTATUS(rc) == 0);
  CHECK(slurp(root / "host/install/bin/syscribe-runtime") == "syscribe-runtime");
  CHECK(slurp(root / "host/install/bin/syscribe-static") == "syscribe-static");
  CHECK(slurp(root / "host/install/bin/syscribe-runtime.conf") == "runtime = runc\nevidence-dir = /var/lib/syscribe/evidence\n");
  CHECK(slurp(root / "host/dropin/syscribe-record.toml") == k8s::engine_dropin(opts("containerd")));
  CHECK((fs::status(root / "host/install/bin/syscribe-runtime").permissions() & fs::perms::owner_exec) != fs::perms::none);
  fs::remove_all(root);
}

TEST_CASE("syscribe k8s --recorder -o writes the manifests and the node drop-in", "[k8s][recorder]") {
  const char* exe = std::getenv("SYSCRIBE");
  REQUIRE(exe);
  fs::path dir = fs::temp_directory_path() / ("syscribe-recorder-out-" + std::to_string(getpid()));
  fs::remove_all(dir);
  std::string cmd = std::string(exe) + " k8s --recorder --image reg/s:1 --engine cri-o -o " + dir.string() + " > /dev/null";
  int rc = std::system(cmd.c_str());
  REQUIRE(WIFEXITED(rc));
  CHECK(WEXITSTATUS(rc) == 0);
  CHECK(YAML::LoadFile((dir / "syscribe-record-runtimeclass.yaml").string())["handler"].as<std::string>() == "syscribe-record");
  CHECK(YAML::LoadFile((dir / "syscribe-recorder-daemonset.yaml").string())["kind"].as<std::string>() == "DaemonSet");
  CHECK(slurp(dir / "node/90-syscribe-record.conf") == k8s::engine_dropin(opts("cri-o")));
  // --image has no usable default for the recorder.
  rc = std::system((std::string(exe) + " k8s --recorder 2> " + (dir / "err").string()).c_str());
  CHECK(WEXITSTATUS(rc) == 2);
  CHECK(slurp(dir / "err").find("--recorder needs --image") != std::string::npos);
  fs::remove_all(dir);
}
