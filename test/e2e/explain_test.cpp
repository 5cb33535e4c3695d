// The audit-log parser behind `syscribe explain`: real records captured on this kind
// of machine (test/e2e/data, written by capture-audit.sh) checked against what the
// probe that caused them said it did, plus the formats and failures around them.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "evidence/evidence.h"
#include "generator/audit_log.h"

using namespace syscribe;
using Catch::Matchers::Contains;

namespace {

// One line of NAME.expect: "pid=N arch=A syscall=S nr=N action=A", written by the probe.
std::vector<std::map<std::string, std::string>> read_expect(const std::string& path) {
  std::vector<std::map<std::string, std::string>> out;
  std::istringstream in(read_file(path));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::map<std::string, std::string> fields;
    std::istringstream words(line);
    std::string w;
    while (words >> w) {
      auto eq = w.find('=');
      fields[w.substr(0, eq)] = w.substr(eq + 1);
    }
    out.push_back(fields);
  }
  return out;
}

void check_capture(const std::string& name) {
  std::string dir = E2E_DATA_DIR;
  auto log = audit::parse_log(read_file(dir + "/" + name + ".log"), name + ".log");
  auto expect = read_expect(dir + "/" + name + ".expect");
  REQUIRE(expect.size() >= 7);
  // Every event the probes caused, and nothing else.
  REQUIRE(log.events.size() == expect.size());
  bool saw_i386 = false, saw_x86_64 = false;
  for (const auto& want : expect) {
    INFO(name << ": pid " << want.at("pid"));
    std::vector<const audit::SeccompEvent*> found;
    for (const auto& e : log.events)
      if (std::to_string(e.pid) == want.at("pid")) found.push_back(&e);
    REQUIRE(found.size() == 1);
    const auto& e = *found[0];
    CHECK(sys::arch_name(e.arch) == want.at("arch"));
    CHECK(e.syscall_name() == want.at("syscall"));
    CHECK(std::to_string(e.nr) == want.at("nr"));
    CHECK(e.action == want.at("action"));
    CHECK_FALSE(e.exe.empty());
    CHECK(e.compat == (e.arch == sys::Arch::i386));
    saw_i386 |= e.arch == sys::Arch::i386;
    saw_x86_64 |= e.arch == sys::Arch::x86_64;
    // The i386 number means something else on the host: decoding used the record's arch.
    if (e.arch == sys::Arch::i386) {
      const auto* host_reading = sys::find(sys::Arch::x86_64, e.nr);
      CHECK((host_reading == nullptr || host_reading->name != e.syscall_name()));
    }
  }
  CHECK(saw_i386);
  CHECK(saw_x86_64);
}

const char* kDmesgLine =
    "[  938.779571] audit: type=1326 audit(1795817740.384:13): auid=4294967295 uid=0 gid=0 "
    "ses=4294967295 pid=15435 comm=\"audit_probe\" exe=\"/tmp/x/audit_probe\" sig=0 arch=c000003e "
    "syscall=110 compat=0 ip=0x7fbd9771f829 code=0x7ffc0000";

}  // namespace

TEST_CASE("explain decodes real dmesg records with each record's own arch", "[explain]") {
  check_capture("dmesg");
}

TEST_CASE("explain decodes real audit.log records (auditd ENRICHED format)", "[explain]") {
  check_capture("audit");
}

TEST_CASE("explain decodes the interpreted `ausearch -i` form", "[explain]") {
  check_capture("ausearch-i");
}

TEST_CASE("a dmesg record gives every field", "[explain]") {
  auto p = audit::parse_line(kDmesgLine, "f", 1);
  REQUIRE(p.kind == audit::LineKind::seccomp);
  const auto& e = *p.event;
  CHECK(e.pid == 15435);
  CHECK(e.uid == "0");
  CHECK(e.auid == "4294967295");
  CHECK(e.comm == "audit_probe");
  CHECK(e.exe == "/tmp/x/audit_probe");
  CHECK(e.audit_arch == 0xc000003eu);
  CHECK(e.arch == sys::Arch::x86_64);
  CHECK(e.syscall_name() == "getppid");
  CHECK(e.ip == 0x7fbd9771f829u);
  CHECK(e.action == "SCMP_ACT_LOG");
  REQUIRE(e.time);
  CHECK(*e.time == 1795817740.384);
  CHECK(e.serial == 13);
}

TEST_CASE("journal and syslog wrappings of the same record are read", "[explain]") {
  std::string body = std::string(kDmesgLine).substr(std::string(kDmesgLine).find("type="));
  // journalctl -k / syslog: the kernel's printk with a syslog prefix.
  auto a = audit::parse_line("Nov 27 22:15:40 host kernel: audit: " + body, "syslog", 3);
  REQUIRE(a.event);
  CHECK(a.event->pid == 15435);
  // systemd-journald reading the audit socket: "audit[PID]: SECCOMP key=value..."
  std::string fields = body.substr(body.find("auid="));
  auto b = audit::parse_line("Nov 27 22:15:40 host audit[15435]: SECCOMP " + fields, "journal", 4);
  REQUIRE(b.event);
  CHECK(b.event->syscall_name() == "getppid");
  CHECK(b.event->action == "SCMP_ACT_LOG");
}

TEST_CASE("hex-encoded comm and exe are decoded", "[explain]") {
  // The kernel hex-encodes names with spaces: "my prog" -> 6D792070726F67.
  auto p = audit::parse_line(
      "type=SECCOMP msg=audit(1.0:1): pid=7 comm=6D792070726F67 exe=\"/bin/x\" sig=0 arch=c000003e syscall=0 "
      "compat=0 ip=0x1 code=0x50000",
      "f", 1);
  REQUIRE(p.event);
  CHECK(p.event->comm == "my prog");
  CHECK(p.event->syscall_name() == "read");
  CHECK(p.event->action == "SCMP_ACT_ERRNO");
}

TEST_CASE("other arches decode with their own numbers", "[explain]") {
  auto rec = [](const std::string& arch, const std::string& nr) {
    return audit::parse_line("type=1326 audit(1.0:1): pid=1 arch=" + arch + " syscall=" + nr + " code=0x80000000",
                             "f", 1);
  };
  // 56 is openat on aarch64 (clone on x86_64).
  auto a = rec("c00000b7", "56");
  REQUIRE(a.event);
  CHECK(a.event->arch == sys::Arch::aarch64);
  CHECK(a.event->syscall_name() == "openat");
  CHECK(a.event->action == "SCMP_ACT_KILL_PROCESS");
  // x32: AUDIT_ARCH_X86_64 with the x32 bit in the number.
  auto x = rec("c000003e", std::to_string(0x40000000 + 1));
  REQUIRE(x.event);
  CHECK(x.event->arch == sys::Arch::x32);
  CHECK(x.event->syscall_name() == "write");
  // A number the table does not know is kept, named as evidence names it.
  auto u = rec("c000003e", "9999");
  REQUIRE(u.event);
  CHECK(u.event->syscall == nullptr);
  CHECK(u.event->syscall_name() == "#9999");
}

TEST_CASE("a bad seccomp record fails naming file and line", "[explain]") {
  CHECK_THROWS_WITH(audit::parse_line("type=1326 audit(1.0:1): pid=1 arch=deadbeef syscall=1 code=0x0", "x.log", 7),
                    Contains("x.log:7:") && Contains("unknown audit arch"));
  CHECK_THROWS_WITH(audit::parse_line("type=1326 audit(1.0:1): pid=1 arch=c000003e code=0x0", "x.log", 8),
                    Contains("x.log:8:") && Contains("syscall="));
  CHECK_THROWS_WITH(audit::parse_line("type=1326 audit(1.0:1): pid=1 arch=c000003e syscall=1 code=zz", "x.log", 9),
                    Contains("x.log:9:") && Contains("code"));
  CHECK_THROWS_WITH(audit::parse_log("hello\n" + std::string(kDmesgLine) + "\ntype=1326 pid=1\n", "y.log"),
                    Contains("y.log:3:"));
}

TEST_CASE("lines that are no seccomp record are counted, not decoded", "[explain]") {
  std::string text = "[    1.0] Linux version 6.18\n"
                     "type=SYSCALL msg=audit(1.0:2): arch=c000003e syscall=59 success=yes\n"
                     "\n" +
                     std::string(kDmesgLine) +
                     "\n"
                     "[  2.0] kauditd_printk_skb: 3 callbacks suppressed\n";
  auto log = audit::parse_log(text, "f");
  CHECK(log.events.size() == 1);
  CHECK(log.other_audit == 1);
  CHECK(log.not_audit == 2);
  CHECK(log.first_not_audit == 1);
  CHECK(log.suppressed);
}

TEST_CASE("the ENRICHED tail after 0x1d does not override raw fields", "[explain]") {
  auto p = audit::parse_line(
      "type=SECCOMP msg=audit(1.0:1): pid=5 arch=40000003 syscall=64 code=0x7ffc0000\x1d"
      "ARCH=x86_64 SYSCALL=unknown-syscall(-1) arch=c000003e",
      "f", 1);
  REQUIRE(p.event);
  CHECK(p.event->arch == sys::Arch::i386);
  CHECK(p.event->syscall_name() == "getppid");
}

TEST_CASE("audit events become evidence in phase audit", "[explain]") {
  std::string dir = E2E_DATA_DIR;
  auto log = audit::parse_log(read_file(dir + "/dmesg.log"), "dmesg.log");
  auto evidence = audit::to_evidence(log.events, {"dmesg.log"});
  REQUIRE(evidence.recordings.size() == 1);
  CHECK(evidence.recordings[0].mode == "audit");
  CHECK(evidence.recordings[0].marks.at(0).source == "audit log");
  CHECK_FALSE(evidence.recordings[0].started.empty());
  uint64_t total = 0;
  size_t instances = 0;
  for (const auto& [key, p] : evidence.processes) {
    instances += p.instances;
    REQUIRE(p.phases.size() == 1);
    for (const auto& [arch, calls] : p.phases.at("audit"))
      for (const auto& [name, st] : calls) {
        CHECK(name == "getppid");
        total += st.count;
      }
  }
  CHECK(total == log.events.size());
  CHECK(instances == log.events.size());  // each probe run was its own pid
  // It survives the evidence format's own validation.
  auto back = ev::from_json(ev::to_json(evidence), "round trip");
  CHECK(ev::to_json(back) == ev::to_json(evidence));
}
