// syscribe-runtime's config.json edit, command-line reading and configuration, offline.
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "evidence/evidence.h"
#include "runtime/oci_args.h"
#include "runtime/oci_config.h"
#include "runtime/settings.h"

using namespace syscribe;
using nlohmann::json;

namespace {

json base_config() {
  return json::parse(R"({
    "ociVersion": "1.0.2",
    "process": {"user": {"uid": 0, "gid": 0}, "args": ["/usr/sbin/nginx", "-g", "daemon off;"], "cwd": "/"},
    "root": {"path": "rootfs", "readonly": true},
    "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
    "annotations": {},
    "linux": {"seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]},
              "namespaces": [{"type": "pid"}]}
  })");
}

rt::Settings settings() {
  rt::Settings s;
  s.syscribe = "/usr/local/bin/syscribe-static";
  return s;
}

std::optional<rt::Edit> plan(const json& config, const std::string& id = "0123456789abcdef0123") {
  return rt::plan_recording(config.dump(), "config.json", id, settings());
}

std::string error_of(const json& config) {
  try {
    plan(config);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a container without the record annotation is left alone", "[runtime]") {
  json c = base_config();
  CHECK_FALSE(plan(c));
  c["annotations"]["syscribe.dev/record"] = "false";
  CHECK_FALSE(plan(c));
  c.erase("annotations");
  CHECK_FALSE(plan(c));
}

TEST_CASE("a Kubernetes sandbox container is never recorded, even with the pod's annotation", "[runtime]") {
  json c = base_config();
  c["annotations"]["syscribe.dev/record"] = "true";
  c["annotations"]["io.kubernetes.cri.container-type"] = "sandbox";
  CHECK_FALSE(plan(c));
  c["annotations"].erase("io.kubernetes.cri.container-type");
  c["annotations"]["io.kubernetes.cri-o.ContainerType"] = "sandbox";
  CHECK_FALSE(plan(c));
}

TEST_CASE("a recorded container runs its command under syscribe record", "[runtime]") {
  json c = base_config();
  c["annotations"]["syscribe.dev/record"] = "true";
  c["annotations"]["syscribe.dev/ready"] = "tcp:127.0.0.1:80";
  c["annotations"]["syscribe.dev/stop-signal"] = "QUIT";
  auto e = plan(c);
  REQUIRE(e);
  json out = json::parse(e->config);
  CHECK(e->name == "0123456789ab");
  CHECK(e->host_dir == "/var/lib/syscribe/evidence/0123456789ab");
  std::vector<std::string> args = out["process"]["args"];
  std::vector<std::string> want = {"/dev/.syscribe/syscribe", "record", "-q", "-o",
                                   "/dev/.syscribe/evidence/0123456789ab.evidence.json",
                                   "--control", "/dev/.syscribe/evidence/control.sock",
                                   "--container=id=0123456789abcdef0123",
                                   "--container=seccomp=removed while recording (default SCMP_ACT_ERRNO, 1 rules)",
                                   "--ready=tcp:127.0.0.1:80", "--stop-signal=QUIT", "--",
                                   "/usr/sbin/nginx", "-g", "daemon off;"};
  CHECK(args == want);
  // The filter is gone and said so; everything else in linux stays.
  CHECK_FALSE(out["linux"].contains("seccomp"));
  CHECK(out["linux"]["namespaces"] == c["linux"]["namespaces"]);
  // Root without CAP_SYS_ADMIN: the filter needs no_new_privs, which the recorder sets for
  // the workload; the config is left alone and the operator told.
  CHECK_FALSE(out["process"].contains("noNewPrivileges"));
  REQUIRE(e->notes.size() == 2);
  CHECK(e->notes[0].find("seccomp filter (default SCMP_ACT_ERRNO, 1 rules) is removed") != std::string::npos);
  CHECK(e->notes[1].find("the recorder sets no_new_privs") != std::string::npos);
  // syscribe read-only, the evidence directory writable, after the existing mounts.
  REQUIRE(out["mounts"].size() == 3);
  CHECK(out["mounts"][0] == c["mounts"][0]);
  CHECK(out["mounts"][1]["source"] == "/usr/local/bin/syscribe-static");
  CHECK(out["mounts"][1]["destination"] == "/dev/.syscribe/syscribe");
  CHECK(out["mounts"][1]["options"] == json({"bind", "ro", "nosuid", "nodev"}));
  CHECK(out["mounts"][2]["source"] == "/var/lib/syscribe/evidence/0123456789ab");
  CHECK(out["mounts"][2]["destination"] == "/dev/.syscribe/evidence");
  CHECK(out["root"] == c["root"]);
}

TEST_CASE("the evidence name and the identity come from the CRI annotations", "[runtime]") {
  json c = base_config();
  c["annotations"] = {{"syscribe.dev/record", "true"},
                      {"io.kubernetes.cri.sandbox-namespace", "shop"},
                      {"io.kubernetes.cri.sandbox-name", "web-7d4b9c-x2x9z"},
                      {"io.kubernetes.cri.container-name", "nginx"},
                      {"io.kubernetes.cri.image-name", "docker.io/library/nginx:1.25"}};
  c["linux"].erase("seccomp");
  c["process"]["capabilities"] = {{"effective", {"CAP_CHOWN", "CAP_SYS_ADMIN"}}};
  auto e = plan(c, "aaaabbbbccccdddd");
  REQUIRE(e);
  CHECK(e->name == "shop_web-7d4b9c-x2x9z_nginx-aaaabbbbcccc");
  CHECK(e->notes.empty());  // root with CAP_SYS_ADMIN needs no no_new_privs
  CHECK_FALSE(json::parse(e->config)["process"].contains("noNewPrivileges"));
  std::vector<std::string> args = json::parse(e->config)["process"]["args"];
  for (const char* want : {"--container=k8s.namespace=shop", "--container=k8s.pod=web-7d4b9c-x2x9z",
                           "--container=k8s.container=nginx", "--container=name=nginx",
                           "--container=image=docker.io/library/nginx:1.25"})
    CHECK(std::find(args.begin(), args.end(), want) != args.end());
  // CRI-O's names for the same facts.
  c["annotations"] = {{"syscribe.dev/record", "true"},
                      {"io.kubernetes.pod.namespace", "shop"},
                      {"io.kubernetes.pod.name", "web-1"},
                      {"io.kubernetes.container.name", "nginx"}};
  CHECK(plan(c, "ffff")->name == "shop_web-1_nginx-ffff");
}

TEST_CASE("evidence names are safe file names and differ per container", "[runtime]") {
  CHECK(rt::evidence_name("../../etc/x", "abc") == "_.._etc_x-abc");
  CHECK(rt::evidence_name("a b/c", "0123456789abcdef") == "a_b_c-0123456789ab");
  CHECK(rt::evidence_name("", "") == "container");
  CHECK(rt::evidence_name("web", "id1") != rt::evidence_name("web", "id2"));
}

TEST_CASE("a non-root container user owns its evidence directory through the id mappings", "[runtime]") {
  json c = base_config();
  c["annotations"]["syscribe.dev/record"] = "true";
  c["process"]["user"] = {{"uid", 1000}, {"gid", 1000}};
  auto e = plan(c);
  REQUIRE(e);
  CHECK(e->host_uid == 1000);
  CHECK(e->host_gid == 1000);
  REQUIRE(e->notes.size() == 2);
  CHECK(e->notes[1].find("the recorder sets no_new_privs") != std::string::npos);
  c["process"]["noNewPrivileges"] = true;
  c["linux"]["uidMappings"] = json::array({{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}});
  c["linux"]["gidMappings"] = json::array({{{"containerID", 0}, {"hostID", 200000}, {"size", 65536}}});
  e = plan(c);
  CHECK(e->host_uid == 101000);
  CHECK(e->host_gid == 201000);
  CHECK(e->notes.size() == 1);
  c["linux"]["uidMappings"][0]["size"] = 10;
  CHECK(error_of(c) == "config.json: $.linux.uidMappings: the container's user 1000 has no host id");
}

TEST_CASE("bad annotations and configs are refused with the file and what is wrong", "[runtime]") {
  json c = base_config();
  c["annotations"]["syscribe.dev/record"] = "yes";
  CHECK(error_of(c) == "config.json: annotation syscribe.dev/record=\"yes\": give true or false");
  c["annotations"]["syscribe.dev/record"] = "true";
  c["annotations"]["syscribe.dev/redy"] = "tcp:1:2";
  CHECK(error_of(c).rfind("config.json: unknown annotation syscribe.dev/redy (known: syscribe.dev/record, ", 0) == 0);
  c["annotations"].erase("syscribe.dev/redy");
  c["annotations"]["syscribe.dev/ready"] = "port 80";
  CHECK(error_of(c).rfind("config.json: annotation syscribe.dev/ready=\"port 80\": give tcp:HOST:PORT", 0) == 0);
  c["annotations"]["syscribe.dev/ready"] = "tcp:a:1\n--x";
  CHECK(error_of(c) == "config.json: annotation syscribe.dev/ready: empty or more than one line");
  c["annotations"].erase("syscribe.dev/ready");
  c["annotations"]["syscribe.dev/evidence-dir"] = "/etc";
  CHECK(error_of(c) == "config.json: annotation syscribe.dev/evidence-dir=\"/etc\": not below an allowed evidence "
                       "directory (/var/lib/syscribe/evidence)");
  c["annotations"]["syscribe.dev/evidence-dir"] = "/var/lib/syscribe/evidence/../../../etc";
  CHECK(error_of(c).find("give an absolute path without . or ..") != std::string::npos);
  c["annotations"]["syscribe.dev/evidence-dir"] = "/var/lib/syscribe/evidence/team-a";
  CHECK(plan(c)->host_dir == "/var/lib/syscribe/evidence/team-a/0123456789ab");
  c["process"]["args"] = json::array();
  CHECK(error_of(c) == "config.json: $.process.args: a recorded container needs its command");
  CHECK_THROWS_WITH(rt::plan_recording("{\n  \"annotations\": {,}\n}", "b/config.json", "x", settings()),
                    Catch::StartsWith("b/config.json:2:"));
}

TEST_CASE("the OCI command line gives the command, the bundle and the container id", "[runtime]") {
  auto c = rt::parse_oci_call({"--root", "/run/crun", "--log=/x.log", "--systemd-cgroup", "create", "--bundle", "/b",
                               "--pid-file", "/p", "id1"});
  CHECK(c.command == "create");
  CHECK(c.bundle == "/b");
  CHECK(c.container_id == "id1");
  c = rt::parse_oci_call({"run", "-b/b2", "--detach", "id2"});
  CHECK(c.bundle == "/b2");
  CHECK(c.container_id == "id2");
  c = rt::parse_oci_call({"create", "--bundle=/b3", "id3"});
  CHECK(c.bundle == "/b3");
  c = rt::parse_oci_call({"--log-format", "json", "kill", "id4", "HUP"});
  CHECK(c.command == "kill");
  CHECK(rt::parse_oci_call({"create", "id5"}).bundle == ".");
  CHECK(rt::parse_oci_call({"--version"}).command.empty());
}

TEST_CASE("the configuration file sets the real runtime and the paths, and names bad lines", "[runtime]") {
  auto s = rt::parse_settings("# comment\nruntime = runc\nsyscribe=/opt/s\nevidence-roots = /a:/b\n", "r.conf", "/self");
  CHECK(s.runtime == "runc");
  CHECK(s.record.syscribe == "/opt/s");
  CHECK(s.record.evidence_roots == std::vector<std::string>{"/a", "/b"});
  CHECK(rt::parse_settings("", "r.conf", "/self").record.syscribe == "/self/syscribe-static");
  CHECK_THROWS_WITH(rt::parse_settings("runtime = crun\nruntim = x\n", "r.conf", "/s"),
                    "r.conf:2: unknown key 'runtim' (runtime, syscribe, evidence-dir, evidence-roots, log)");
  CHECK_THROWS_WITH(rt::parse_settings("evidence-dir = rel\n", "r.conf", "/s"), "r.conf:1: evidence-dir must be an absolute path");
  CHECK_THROWS_WITH(rt::parse_settings("crun\n", "r.conf", "/s"), "r.conf:1: expected KEY = VALUE, got 'crun'");
}

TEST_CASE("the container identity survives the evidence round trip and merge", "[runtime][evidence]") {
  ev::Evidence a;
  ev::Recording r;
  r.command = {"nginx"};
  r.started = "2026-12-02T00:00:00Z";
  r.container = {{"k8s.pod", "web-1"}, {"image", "nginx:1.25"}};
  a.recordings.push_back(r);
  json j = ev::to_json(a);
  CHECK(j["recordings"][0]["container"]["k8s.pod"] == "web-1");
  ev::Evidence back = ev::from_json(j, "a.json");
  CHECK(back.recordings[0].container == r.container);
  // A host recording has no container member at all.
  a.recordings[0].container.clear();
  CHECK_FALSE(ev::to_json(a)["recordings"][0].contains("container"));
  ev::Evidence b = back;
  b.recordings[0].started = "2026-12-02T00:01:00Z";
  b.recordings[0].container["k8s.pod"] = "web-2";
  ev::merge_into(back, b);
  REQUIRE(back.recordings.size() == 2);
  CHECK(back.recordings[1].container.at("k8s.pod") == "web-2");
  j["recordings"][0]["container"]["image"] = 3;
  CHECK_THROWS_WITH(ev::from_json(j, "a.json"), Catch::Contains("a.json: $.recordings[0].container.image"));
}
