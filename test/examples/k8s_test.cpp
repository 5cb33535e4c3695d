// syscribe k8s: the profile check/conversion, and the manifests parsed back with
// yaml-cpp (an independent YAML parser) to check what the kubelet and the API
// server will see.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "core/error.h"
#include "generator/k8s.h"

namespace fs = std::filesystem;
using namespace syscribe;

namespace {

const char* kOci =
    "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"defaultErrnoRet\": 1,\n"
    "  \"architectures\": [\"SCMP_ARCH_X86_64\"],\n"
    "  \"syscalls\": [\n    {\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\"},\n"
    "    {\"names\": [\"clone3\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38},\n"
    "    {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
    "     \"args\": [{\"index\": 0, \"value\": 8, \"valueTwo\": 0, \"op\": \"SCMP_CMP_EQ\"}]}\n  ]\n}\n";

// Docker's dialect: archMap, comments, a single "name", empty and real conditions.
const char* kDocker = R"({
  "defaultAction": "SCMP_ACT_ERRNO",
  "archMap": [
    {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
    {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}
  ],
  "syscalls": [
    {"names": ["read"], "action": "SCMP_ACT_ALLOW", "comment": "", "includes": {}, "excludes": {}},
    {"name": "write", "action": "SCMP_ACT_ALLOW"}
  ]
})";

k8s::Options opts(const std::string& name = "webhook") {
  k8s::Options o;
  o.name = name;
  o.ns = "security";
  return o;
}

std::string error_of(const std::string& text, const std::string& file = "p.json") {
  try {
    k8s::flatten_profile(text, file);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The value a volumeMount named `volume` is mounted at in `container`.
std::string mount_path(const YAML::Node& container, const std::string& volume) {
  for (const auto& m : container["volumeMounts"])
    if (m["name"].as<std::string>() == volume) return m["mountPath"].as<std::string>();
  return "";
}

YAML::Node volume(const YAML::Node& pod_spec, const std::string& name) {
  for (const auto& v : pod_spec["volumes"])
    if (v["name"].as<std::string>() == name) return v;
  return YAML::Node();
}

// Runs a shell command line; returns its exit status.
int run(const std::string& cmd) {
  int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

const char* syscribe_exe() {
  const char* p = std::getenv("SYSCRIBE");
  return p ? p : "syscribe";
}

}  // namespace

TEST_CASE("a flat OCI profile passes through byte for byte") {
  auto flat = k8s::flatten_profile(kOci, "p.json");
  CHECK(flat.changes.empty());
  CHECK(flat.text == kOci);
}

TEST_CASE("Docker-only fields with a flat equivalent are converted and reported") {
  auto flat = k8s::flatten_profile(kDocker, "docker.json");
  REQUIRE(!flat.changes.empty());
  auto j = nlohmann::json::parse(flat.text);
  CHECK(!j.contains("archMap"));
  CHECK(j["architectures"] == nlohmann::json({"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
                                              "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"}));
  CHECK(j["syscalls"][0] == nlohmann::json({{"names", {"read"}}, {"action", "SCMP_ACT_ALLOW"}}));
  CHECK(j["syscalls"][1] == nlohmann::json({{"names", {"write"}}, {"action", "SCMP_ACT_ALLOW"}}));
  // The converted text is itself flat: a second pass changes nothing.
  auto again = k8s::flatten_profile(flat.text, "converted.json");
  CHECK(again.changes.empty());
  CHECK(again.text == flat.text);
}

TEST_CASE("profiles containerd would misread are refused with file and JSON path") {
  std::string conditional = R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
      {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_PTRACE"]}}]})";
  std::string msg = error_of(conditional, "docker.json");
  CHECK(msg.find("docker.json: $.syscalls[1].includes:") == 0);
  CHECK(msg.find("every container") != std::string::npos);

  CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ERRNO", "listenerPth": "/x"})") ==
        "p.json: $.listenerPth: unknown field (containerd would silently drop it)");
  CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW",
        "args": [{"index": 0, "value": 1, "opp": "SCMP_CMP_EQ"}]}]})")
            .find("p.json: $.syscalls[0].args[0].opp: unknown field") == 0);
  CHECK(error_of(R"({"syscalls": []})").find("p.json: $.defaultAction: missing") == 0);
  CHECK(error_of(R"({"apiVersion": "security-profiles-operator.x-k8s.io/v1beta1", "kind": "SeccompProfile"})")
            .find("Kubernetes object") != std::string::npos);
  CHECK(error_of(R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"], "archMap": [{}]})")
            .find("$.archMap: both") != std::string::npos);
  CHECK(error_of("{\n  \"defaultAction\": ,\n}").find("p.json:2:") == 0);
}

TEST_CASE("profile names must work as file names and object names") {
  for (const char* good : {"webhook", "web-1", "a", "0abc"}) CHECK_NOTHROW(k8s::check_name(good));
  for (const char* bad : {"", "Web", "-web", "web-", "web_1", "web.json", "a/b"})
    CHECK_THROWS_AS(k8s::check_name(bad), Error);
  CHECK_NOTHROW(k8s::check_name(std::string(55, 'a')));
  CHECK_THROWS_AS(k8s::check_name(std::string(56, 'a')), Error);
}

TEST_CASE("strings YAML would read as something else are quoted") {
  for (const char* s : {"yes", "no", "on", "Off", "true", "null", "~", "1.36", "5m", "0x7E020000", "-c", "", "a: b",
                        "# x", "key:", "*ref", "line\nbreak"}) {
    YAML::Node n = YAML::Load(std::string("k: ") + k8s::yaml_scalar(s))["k"];
    INFO(s);
    CHECK(n.as<std::string>() == s);
    CHECK(n.Tag() == "!");  // a quoted scalar: never resolved to bool, null or number
  }
  CHECK(k8s::yaml_scalar("busybox:1.36") == "busybox:1.36");
  CHECK(k8s::yaml_scalar("app.kubernetes.io/name") == "app.kubernetes.io/name");
}

TEST_CASE("the ConfigMap holds the profile byte for byte, whatever its layout") {
  const std::string cases[] = {
      kOci,
      std::string(kOci).substr(0, std::string(kOci).size() - 1),  // no final newline
      std::string(kOci) + "\n\n",                                  // several
      std::string("  {\"defaultAction\": \"SCMP_ACT_ALLOW\"}\n"),  // leading spaces
      std::string("\n{\"defaultAction\": \"SCMP_ACT_ALLOW\"}\n"),  // leading empty line
      std::string("{\n\t\"defaultAction\":\t\"SCMP_ACT_ALLOW\"   \n}\n"),  // tabs, trailing blanks
      std::string("{\r\n\"defaultAction\": \"SCMP_ACT_ALLOW\"\r\n}\r\n"),  // CRLF: quoted form
      std::string("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"x\": \"caf\xc3\xa9 \xc2\x85\"}"),  // UTF-8, NEL
  };
  for (const auto& text : cases) {
    INFO(text);
    std::string yaml = k8s::configmap_yaml(opts(), text);
    YAML::Node cm = YAML::Load(yaml);
    CHECK(cm["apiVersion"].as<std::string>() == "v1");
    CHECK(cm["kind"].as<std::string>() == "ConfigMap");
    CHECK(cm["metadata"]["name"].as<std::string>() == "seccomp-webhook");
    CHECK(cm["metadata"]["namespace"].as<std::string>() == "security");
    REQUIRE(cm["data"]["webhook.json"]);
    CHECK(cm["data"]["webhook.json"].as<std::string>() == text);
  }
}

TEST_CASE("the DaemonSet copies the ConfigMap's file into the kubelet's seccomp directory on every node") {
  k8s::Options o = opts();
  o.kubelet_dir = "/var/lib/k0s/kubelet";
  o.image = "registry.example/busybox:1.36";
  YAML::Node ds = YAML::Load(k8s::daemonset_yaml(o));
  CHECK(ds["apiVersion"].as<std::string>() == "apps/v1");
  CHECK(ds["kind"].as<std::string>() == "DaemonSet");
  CHECK(ds["metadata"]["name"].as<std::string>() == "seccomp-webhook");
  CHECK(ds["metadata"]["namespace"].as<std::string>() == "security");

  // The selector must match the template's labels or the API server refuses it.
  YAML::Node tmpl = ds["spec"]["template"];
  for (const auto& kv : ds["spec"]["selector"]["matchLabels"])
    CHECK(tmpl["metadata"]["labels"][kv.first.as<std::string>()].as<std::string>() == kv.second.as<std::string>());

  YAML::Node spec = tmpl["spec"];
  REQUIRE(spec["tolerations"].size() == 1);
  CHECK(spec["tolerations"][0]["operator"].as<std::string>() == "Exists");
  CHECK(!spec["tolerations"][0]["key"]);  // no key: tolerates every taint
  CHECK(!spec["priorityClassName"]);      // only admitted in kube-system by default

  YAML::Node host = volume(spec, "kubelet-seccomp");
  REQUIRE(host);
  CHECK(host["hostPath"]["path"].as<std::string>() == "/var/lib/k0s/kubelet/seccomp");
  CHECK(host["hostPath"]["type"].as<std::string>() == "DirectoryOrCreate");
  YAML::Node cm = volume(spec, "profile");
  REQUIRE(cm);
  CHECK(cm["configMap"]["name"].as<std::string>() == "seccomp-webhook");

  REQUIRE(spec["containers"].size() == 1);
  YAML::Node c = spec["containers"][0];
  CHECK(c["image"].as<std::string>() == "registry.example/busybox:1.36");
  CHECK(mount_path(c, "kubelet-seccomp") == "/host/seccomp");
  CHECK(mount_path(c, "profile") == "/profile");
  CHECK(c["resources"]["limits"]["cpu"].as<std::string>() == "50m");
  CHECK(c["resources"]["limits"]["memory"].as<std::string>() == "32Mi");
  CHECK(c["securityContext"]["readOnlyRootFilesystem"].as<bool>());
  CHECK(!c["securityContext"]["allowPrivilegeEscalation"].as<bool>());

  // The script copies from the ConfigMap mount to where localhostProfile points.
  REQUIRE(c["command"].size() == 3);
  CHECK(c["command"][0].as<std::string>() == "/bin/sh");
  std::string script = c["command"][2].as<std::string>();
  CHECK(script.find("src=/profile/webhook.json\n") != std::string::npos);
  CHECK(script.find("dst=/host/seccomp/profiles/webhook.json\n") != std::string::npos);
  CHECK("/host/seccomp/" + k8s::localhost_profile(o) == "/host/seccomp/profiles/webhook.json");

  o.ns = "kube-system";
  CHECK(YAML::Load(k8s::daemonset_yaml(o))["spec"]["template"]["spec"]["priorityClassName"].as<std::string>() ==
        "system-node-critical");
}

TEST_CASE("the snippet selects the Localhost profile the DaemonSet installs") {
  YAML::Node s = YAML::Load(k8s::security_context_snippet(opts()));
  CHECK(s["securityContext"]["seccompProfile"]["type"].as<std::string>() == "Localhost");
  CHECK(s["securityContext"]["seccompProfile"]["localhostProfile"].as<std::string>() == "profiles/webhook.json");
}

TEST_CASE("syscribe k8s writes the manifests, the snippet and the node file") {
  fs::path dir = fs::temp_directory_path() / ("syscribe-k8s-test-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "docker.json", std::ios::binary) << kDocker;
  std::ofstream(dir / "oci.json", std::ios::binary) << kOci;
  std::string exe = syscribe_exe();

  SECTION("-o DIR") {
    std::string out = (dir / "out").string();
    REQUIRE(run(exe + " k8s " + (dir / "docker.json").string() + " --name web -o " + out + " >" + (dir / "stdout").string() +
                " 2>" + (dir / "stderr").string()) == 0);
    CHECK(slurp(dir / "stderr").find("converted to flat OCI: archMap flattened") != std::string::npos);
    std::string node_file = slurp(dir / "out/profiles/web.json");
    CHECK(node_file == k8s::flatten_profile(kDocker, "docker.json").text);
    CHECK(YAML::LoadFile(out + "/web-configmap.yaml")["data"]["web.json"].as<std::string>() == node_file);
    CHECK(YAML::LoadFile(out + "/web-configmap.yaml")["metadata"]["namespace"].as<std::string>() == "kube-system");
    CHECK(YAML::LoadFile(out + "/web-daemonset.yaml")["kind"].as<std::string>() == "DaemonSet");
    CHECK(YAML::LoadFile(out + "/snippet/web-securitycontext.yaml")["securityContext"]["seccompProfile"]
                        ["localhostProfile"]
                            .as<std::string>() == "profiles/web.json");
  }
  SECTION("stdout is one stream for kubectl apply -f -") {
    REQUIRE(run(exe + " k8s " + (dir / "oci.json").string() + " --name web -n apps >" + (dir / "all.yaml").string()) == 0);
    auto docs = YAML::LoadAllFromFile((dir / "all.yaml").string());
    // The snippet rides along as comments only: no document of its own.
    CHECK(slurp(dir / "all.yaml").find("#     localhostProfile: profiles/web.json\n") != std::string::npos);
    REQUIRE(docs.size() == 2);
    CHECK(docs[0]["kind"].as<std::string>() == "ConfigMap");
    CHECK(docs[0]["data"]["web.json"].as<std::string>() == kOci);
    CHECK(docs[1]["kind"].as<std::string>() == "DaemonSet");
    CHECK(docs[1]["metadata"]["namespace"].as<std::string>() == "apps");
  }
  SECTION("bad input: exit 1 for the profile, 2 for the command line") {
    std::ofstream(dir / "cond.json") << R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "excludes": {"arches": ["s390x"]}}]})";
    CHECK(run(exe + " k8s " + (dir / "cond.json").string() + " --name web 2>" + (dir / "err").string() + " >/dev/null") == 1);
    CHECK(slurp(dir / "err").find("cond.json: $.syscalls[0].excludes:") != std::string::npos);
    CHECK(run(exe + " k8s " + (dir / "oci.json").string() + " --name Web 2>/dev/null >/dev/null") == 2);
    CHECK(run(exe + " k8s " + (dir / "oci.json").string() + " 2>/dev/null >/dev/null") == 2);
    CHECK(run(exe + " k8s " + (dir / "oci.json").string() + " --name web -n Bad_NS 2>/dev/null >/dev/null") == 2);
    CHECK(run(exe + " k8s " + (dir / "oci.json").string() + " --name web --image '' 2>/dev/null >/dev/null") == 2);
  }
  SECTION("values every node's runtime would refuse: exit 1 naming the JSON path, nothing written") {
    const std::pair<const char*, const char*> bad[] = {
        {R"({"defaultAction": "SCMP_ACT_NONSENSE", "syscalls": []})", "$.defaultAction: unknown action"},
        {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": 5}]})",
         "$.syscalls[0].args:"},
        {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": [5], "action": "SCMP_ACT_ALLOW"}]})",
         "$.syscalls[0].names[0]:"},
        {R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_BOGUS"], "syscalls": []})",
         "SCMP_ARCH_BOGUS"},
    };
    for (const auto& [profile, message] : bad) {
      std::ofstream(dir / "bad.json", std::ios::trunc) << profile;
      std::string out = (dir / "bad-out").string();
      CHECK(run(exe + " k8s " + (dir / "bad.json").string() + " --name web -o " + out + " 2>" + (dir / "err").string() +
                " >/dev/null") == 1);
      INFO(slurp(dir / "err"));
      CHECK(slurp(dir / "err").find(message) != std::string::npos);
      CHECK(!fs::exists(out));
    }
  }
  SECTION("an arch name runc refuses is refused, even one syscribe reads as an alias") {
    std::ofstream(dir / "alias.json") << R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["amd64"],
        "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]})";
    CHECK(run(exe + " k8s " + (dir / "alias.json").string() + " --name web 2>" + (dir / "err").string() +
              " >/dev/null") == 1);
    CHECK(slurp(dir / "err").find("unknown architecture \"amd64\"") != std::string::npos);
  }
  SECTION("a name runc would skip is a warning, as on the node") {
    std::ofstream(dir / "unknown.json") << R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["read", "no_such_call"], "action": "SCMP_ACT_ALLOW"}]})";
    CHECK(run(exe + " k8s " + (dir / "unknown.json").string() + " --name web 2>" + (dir / "err").string() +
              " >/dev/null") == 0);
    CHECK(slurp(dir / "err").find("warning") != std::string::npos);
    CHECK(slurp(dir / "err").find("no_such_call") != std::string::npos);
  }
  fs::remove_all(dir);
}
