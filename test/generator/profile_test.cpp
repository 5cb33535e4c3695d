// The profile model and its libseccomp compilation, checked through the exported BPF.
#include <catch2/catch.hpp>

#include <cerrno>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "generator/compile.h"
#include "generator/profile.h"

using namespace syscribe;
using namespace syscribe::gen;
using sys::Arch;

namespace {
constexpr uint32_t kAllow = 0x7fff0000u;
constexpr uint32_t kEperm = 0x00050000u | 1;
constexpr uint32_t kEnosys = 0x00050000u | 38;

Profile parse(const std::string& text) { return parse_profile_text(text, "t.json"); }

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("OCI profile round-trips and detects its dialect") {
  Profile p = parse(R"({"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],
    "syscalls":[{"names":["read","write"],"action":"SCMP_ACT_ALLOW"},
                {"names":["clone"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":2114060288,"valueTwo":0,"op":"SCMP_CMP_MASKED_EQ"}]}]})");
  CHECK(p.format == Format::oci);
  REQUIRE(p.syscalls.size() == 2);
  CHECK(p.syscalls[1].args[0].value == 0x7E020000u);
  Profile again = parse(write_profile(p, Format::oci));
  CHECK(again == p);
}

TEST_CASE("Docker archMap and comments make a profile Docker, and survive a round trip") {
  Profile p = parse(R"({"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1,
    "archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86","SCMP_ARCH_X32"]}],
    "syscalls":[{"names":["arch_prctl"],"action":"SCMP_ACT_ALLOW","comment":"x86 only","includes":{"arches":["amd64"]}}]})");
  CHECK(p.format == Format::docker);
  CHECK(parse(write_profile(p, Format::docker)) == p);
  auto eff = effective_arches(p, Arch::x86_64);
  CHECK(eff == std::vector<Arch>{Arch::x86_64, Arch::i386, Arch::x32});
  CHECK(effective_arches(p, Arch::aarch64) == std::vector<Arch>{Arch::aarch64});
  CHECK(rule_applies(p.syscalls[0], Arch::x86_64, {}));
  CHECK_FALSE(rule_applies(p.syscalls[0], Arch::aarch64, {}));
}

TEST_CASE("SPO CRD in JSON form is read, and written as YAML") {
  Profile p = parse(R"({"apiVersion":"security-profiles-operator.x-k8s.io/v1beta1","kind":"SeccompProfile",
    "metadata":{"name":"web","namespace":"prod"},
    "spec":{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],
            "syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}})");
  CHECK(p.format == Format::spo);
  CHECK(p.name == "web");
  std::string yaml = write_profile(p, Format::spo);
  CHECK(yaml.find("kind: SeccompProfile") != std::string::npos);
  CHECK(yaml.find("namespace: prod") != std::string::npos);
  CHECK(yaml.find("  - action: SCMP_ACT_ALLOW\n    names:\n    - read\n") != std::string::npos);
}

TEST_CASE("bad profiles fail with file and JSON path") {
  CHECK(error_of([] { parse(R"({"defaultAction":"SCMP_ACT_NOPE"})"); }) ==
        "t.json: $.defaultAction: unknown action \"SCMP_ACT_NOPE\"");
  CHECK(error_of([] { parse(R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":7,"value":1,"op":"SCMP_CMP_EQ"}]}]})"); }) ==
        "t.json: $.syscalls[0].args[0].index: argument index 7 is out of range 0..5");
  CHECK(error_of([] { parse("{\n  \"defaultAction\": ,\n}"); }).rfind("t.json:2:", 0) == 0);
}

TEST_CASE("compiled filter: observed calls allowed, others get the default, per arch") {
  Profile p = parse(R"({"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_AARCH64"],
    "syscalls":[{"names":["read","openat","open"],"action":"SCMP_ACT_ALLOW"},
                {"names":["clone3"],"action":"SCMP_ACT_ERRNO","errnoRet":38},
                {"names":["clone"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":2114060288,"valueTwo":0,"op":"SCMP_CMP_MASKED_EQ"}]},
                {"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":2,"op":"SCMP_CMP_EQ"},{"index":0,"value":10,"op":"SCMP_CMP_EQ"}]}]})");
  Evaluator ev(p, {.strict = true, .host = Arch::x86_64, .caps = {}});
  for (Arch a : {Arch::x86_64, Arch::aarch64}) {
    INFO(sys::arch_name(a));
    CHECK(ev.evaluate(a, "read") == kAllow);
    CHECK(ev.evaluate(a, "openat") == kAllow);
    CHECK(ev.evaluate(a, "write") == kEperm);
    CHECK(ev.evaluate(a, "clone3") == kEnosys);
    CHECK(ev.evaluate(a, "clone", {0x01200011}) == kAllow);          // fork-like flags
    CHECK(ev.evaluate(a, "clone", {0x01200011 | 0x20000}) == kEperm);  // CLONE_NEWNS
    CHECK(ev.evaluate(a, "socket", {2}) == kAllow);
    CHECK(ev.evaluate(a, "socket", {10}) == kAllow);
    CHECK(ev.evaluate(a, "socket", {16}) == kEperm);
  }
  CHECK(ev.evaluate(Arch::x86_64, "open") == kAllow);
  CHECK_FALSE(ev.evaluate(Arch::aarch64, "open"));  // no such syscall there
  // i386 is not listed: libseccomp's bad-arch action (kill) applies.
  CHECK(ev.evaluate(Arch::i386, "read") == 0u);
}

TEST_CASE("strict compilation rejects unknown names; lenient skips them like runc") {
  Profile p = parse(R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","nosuchcall"],"action":"SCMP_ACT_ALLOW"},
     {"names":["write"],"action":"SCMP_ACT_ERRNO"}]})");
  Arch host = Arch::x86_64;
  CHECK(error_of([&] { compile_profile(p, std::span(&host, 1), {.strict = true, .host = Arch::x86_64, .caps = {}}, "p.json"); }) ==
        "p.json: rule 0 (nosuchcall): unknown syscall \"nosuchcall\"");
  Compiled c = compile_profile(p, std::span(&host, 1), {}, "p.json");
  REQUIRE(c.skipped.size() == 2);
  CHECK(c.skipped[0] == "rule 0 (nosuchcall): unknown syscall \"nosuchcall\", ignored");
  CHECK(c.skipped[1] == "rule 1 (write): action equals the default, skipped");
}

TEST_CASE("runc semantics: a repeated index ORs every condition of the rule") {
  // arg0 == 2 OR arg0 == 10 OR arg1 == 1: the arg1 condition does not restrict arg0.
  Profile p = parse(R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["socket"],"action":"SCMP_ACT_ALLOW",
     "args":[{"index":0,"value":2,"op":"SCMP_CMP_EQ"},{"index":0,"value":10,"op":"SCMP_CMP_EQ"},{"index":1,"value":1,"op":"SCMP_CMP_EQ"}]}]})");
  Evaluator ev(p, {.strict = false, .host = Arch::x86_64, .caps = {}});
  CHECK(ev.evaluate(Arch::x86_64, "socket", {16, 1}) == kAllow);
  CHECK(ev.evaluate(Arch::x86_64, "socket", {16, 2}) == kEperm);
  // Different indexes only: AND.
  Profile q = parse(R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["socket"],"action":"SCMP_ACT_ALLOW",
     "args":[{"index":0,"value":2,"op":"SCMP_CMP_EQ"},{"index":1,"value":1,"op":"SCMP_CMP_EQ"}]}]})");
  Evaluator eq(q, {.strict = false, .host = Arch::x86_64, .caps = {}});
  CHECK(eq.evaluate(Arch::x86_64, "socket", {2, 1}) == kAllow);
  CHECK(eq.evaluate(Arch::x86_64, "socket", {2, 2}) == kEperm);
  CHECK(eq.evaluate(Arch::x86_64, "socket", {16, 1}) == kEperm);
}

TEST_CASE("MASKED_EQ with 0xffffffff ignores the upper half of 32-bit arguments") {
  Profile p = parse(R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["socket"],"action":"SCMP_ACT_ALLOW",
     "args":[{"index":0,"value":4294967295,"valueTwo":2,"op":"SCMP_CMP_MASKED_EQ"}]}]})");
  Evaluator ev(p, {.strict = false, .host = Arch::x86_64, .caps = {}});
  CHECK(ev.evaluate(Arch::x86_64, "socket", {0xdeadbeef00000002ull}) == kAllow);
  CHECK(ev.evaluate(Arch::x86_64, "socket", {0x3}) == kEperm);
}

TEST_CASE("SPO YAML as written is read back; YAML errors carry line and column") {
  Profile p = parse(R"({"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],
    "syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","comment":"observed"},
                {"names":["clone3"],"action":"SCMP_ACT_ERRNO","errnoRet":38},
                {"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":4294967295,"valueTwo":2,"op":"SCMP_CMP_MASKED_EQ"}]}]})");
  p.name = "web";
  Profile back = parse_profile_text(write_profile(p, Format::spo), "p.yaml");
  CHECK(back.format == Format::spo);
  CHECK(back.name == "web");
  for (auto& r : p.syscalls) r.comment.clear();  // YAML comments are not data
  CHECK(back.syscalls == p.syscalls);
  CHECK(back.architectures == p.architectures);
  CHECK(error_of([] { parse_profile_text("kind: SeccompProfile\nspec: [\n  defaultAction: x\n", "p.yaml"); }).rfind("p.yaml:", 0) == 0);
  CHECK(error_of([] { parse_profile_text("kind: SeccompProfile\nspec:\n  defaultAction: SCMP_ACT_NOPE\n", "p.yaml"); }) ==
        "p.yaml: $.spec.defaultAction: unknown action \"SCMP_ACT_NOPE\"");
}

TEST_CASE("big-endian arches compile beside a little-endian host, one filter per family") {
  Profile p = parse(R"({"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_S390X"],
    "syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"},
      {"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":4294967295,"valueTwo":2,"op":"SCMP_CMP_MASKED_EQ"}]}]})");
  Evaluator s390(p, {.strict = true, .host = Arch::s390x, .caps = {}});
  CHECK(s390.evaluate(Arch::s390x, "read") == kAllow);
  CHECK(s390.evaluate(Arch::s390x, "write") == kEperm);
  CHECK(s390.evaluate(Arch::s390x, "socket", {0xffffffff00000002ull}) == kAllow);  // big-endian args layout
  CHECK(s390.evaluate(Arch::s390x, "socket", {16}) == kEperm);
  REQUIRE(s390.skipped().size() == 1);
  CHECK(s390.skipped()[0] == "x86_64: byte order differs from the host s390x: left out of the filter");
  // Mixing byte orders in one filter is refused, with the arch named.
  std::vector<Arch> both{Arch::x86_64, Arch::s390x};
  CHECK(error_of([&] { compile_profile(p, both, {.strict = true, .host = Arch::x86_64, .caps = {}}, "p.json"); })
            .rfind("p.json: libseccomp cannot merge the s390x filter", 0) == 0);
}

TEST_CASE("actions are spelled SCMP_ACT_* only at the edges, and round-trip") {
  for (Action a : {Action::kill, Action::kill_thread, Action::kill_process, Action::trap, Action::error, Action::trace,
                   Action::log, Action::allow, Action::notify}) {
    INFO(action_name(a));
    CHECK(action_name(a).starts_with("SCMP_ACT_"));
    CHECK(parse_action(action_name(a)) == a);
  }
  CHECK(!parse_action("ALLOW"));
  CHECK(!parse_action("SCMP_ACT_allow"));
  CHECK(action_value(Action::error, std::nullopt) == (0x00050000u | EPERM));
  CHECK(action_value(Action::error, 38u) == 0x00050026u);
  CHECK(describe_action(action_value(Action::error, 38u)) == "SCMP_ACT_ERRNO(ENOSYS)");
  CHECK(describe_action(action_value(Action::kill, std::nullopt)) == "SCMP_ACT_KILL_THREAD");
  CHECK(describe_action(0x12340000u) == "0x12340000");
}
