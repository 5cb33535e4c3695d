// Evidence in, profile out: golden files, and for every generated profile a check through
// the compiled filter (libseccomp's BPF) on every listed arch that what was observed is
// allowed and that the dangerous neighbours get the default action.
//
// Regenerate the goldens after an intended change:
//   SYSCRIBE_UPDATE_GOLDEN=1 build-gen/test/generator/generator_test "[golden]"
// (run from test/generator/, as meson does) and review the diff of test/generator/golden/.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "generator/compile.h"
#include "generator/emit.h"
#include "generator/merge.h"
#include "generator/policy.h"

using namespace syscribe;
using namespace syscribe::gen;
using sys::Arch;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Case {
  const char* name;      // golden file stem
  const char* evidence;  // under data/
  OutputFormat format;
  PolicyOptions opts;
};

PolicyOptions with(std::function<void(PolicyOptions&)> fn) {
  PolicyOptions o;
  fn(o);
  return o;
}

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {"webapp.oci.json", "webapp.evidence.json", OutputFormat::oci, {}},
      // The tail comes from data/runtime-tails.tsv so the golden does not follow measurements.
      {"webapp-arm-runc.docker.json", "webapp.evidence.json", OutputFormat::docker,
       with([](PolicyOptions& o) {
         o.arches = {Arch::aarch64};
         o.runtime = "runc";
         o.runtime_tails = slurp("data/runtime-tails.tsv");
       })},
      {"webapp-noargs.oci.json", "webapp.evidence.json", OutputFormat::oci,
       with([](PolicyOptions& o) { o.arg_filters = false; })},
      {"webapp-serving.spo.yaml", "webapp.evidence.json", OutputFormat::spo,
       with([](PolicyOptions& o) { o.phases = {"serving"}; o.exclude_processes = {"/bin/sh"}; })},
      {"webapp-kill.oci.json", "webapp.evidence.json", OutputFormat::oci,
       with([](PolicyOptions& o) { o.default_action = Action::kill_process; })},
      {"compat.oci.json", "compat.evidence.json", OutputFormat::oci, {}},
      {"webapp.systemd.conf", "webapp.evidence.json", OutputFormat::systemd, {}},
  };
  return all;
}

constexpr uint32_t kAllow = 0x7fff0000u;

std::array<uint64_t, 6> args_with(std::initializer_list<std::pair<int, uint64_t>> set) {
  std::array<uint64_t, 6> a{};
  for (auto [i, v] : set) a[static_cast<size_t>(i)] = v;
  return a;
}

// Every call of the evidence (with the values it recorded) must be allowed on its arch,
// and on every listed arch where the syscall exists.
void check_observed_allowed(const ev::Evidence& ev, const Policy& pol, const Evaluator& eval, Arch arch) {
  for (const auto& [key, p] : ev.processes)
    for (const auto& [phase, arches] : p.phases)
      for (const auto& [arch_name, calls] : arches)
        for (const auto& [name, st] : calls) {
          if (!pol.find(name) || pol.find(name)->action != Action::allow) continue;  // excluded or clone3
          const sys::SyscallInfo* s = sys::find(name);
          if (!s->exists_on(arch)) continue;
          std::array<uint64_t, 6> base{};
          std::vector<std::pair<size_t, std::vector<uint64_t>>> per_arg;
          for (const auto& [arg, values] : st.args) {
            int idx = s->arg_index(arg);
            std::vector<uint64_t> nums;
            for (const auto& [text, _] : values)
              if (auto v = sys::parse_value("", text)) nums.push_back(*v);
            if (idx < 0 || nums.empty()) continue;
            base[static_cast<size_t>(idx)] = nums.front();
            per_arg.push_back({static_cast<size_t>(idx), nums});
          }
          INFO(name << " on " << sys::arch_name(arch));
          CHECK(eval.evaluate(arch, name, base) == kAllow);
          if (!st.tuples.empty()) {  // the observed combinations, exactly
            std::vector<size_t> targs = ev::tuple_args(*s);
            for (const auto& [key, _] : st.tuples) {
              auto t = ev::parse_tuple(*s, key);
              REQUIRE(t);
              std::array<uint64_t, 6> a{};
              for (size_t i = 0; i < targs.size(); ++i) a[targs[i]] = (*t)[i];
              INFO("tuple " << key);
              CHECK(eval.evaluate(arch, name, a) == kAllow);
            }
            continue;
          }
          for (const auto& [idx, nums] : per_arg)
            for (uint64_t v : nums) {
              auto a = base;
              a[idx] = v;
              INFO("arg " << idx << " = " << v);
              CHECK(eval.evaluate(arch, name, a) == kAllow);
            }
        }
}

}  // namespace

TEST_CASE("generated profiles match their goldens and hold on every listed arch", "[golden]") {
  bool update = std::getenv("SYSCRIBE_UPDATE_GOLDEN") != nullptr;
  for (const auto& c : cases()) {
    DYNAMIC_SECTION(c.name) {
      ev::Evidence ev = ev::read_evidence(std::string("data/") + c.evidence);
      Policy pol = build_policy(ev, c.opts);
      std::vector<std::string> notes;
      std::string out = emit(pol, {.format = c.format, .name = "syscribe-profile", .nspace = ""}, notes);
      std::string golden = std::string("golden/") + c.name;
      if (update) write_file_atomic(golden, out);
      CHECK(out == slurp(golden));

      Profile prof = to_profile(pol);
      if (c.format == OutputFormat::oci || c.format == OutputFormat::docker) {
        Profile read_back = parse_profile_text(out, golden);
        prof.syscalls = read_back.syscalls;  // what the file says, not what we meant
        for (auto& r : prof.syscalls) r.comment.clear();
      }
      uint32_t def = action_value(prof.default_action, prof.default_errno_ret);
      for (Arch arch : pol.arches) {
        INFO("arch " << sys::arch_name(arch));
        Evaluator eval(prof, {.strict = true, .host = sys::native_of(arch), .caps = {}}, golden);
        check_observed_allowed(ev, pol, eval, arch);
        for (const auto& e : pol.entries)
          if (e.action == Action::allow && e.arches.count(std::string(sys::arch_name(arch))) && e.filters.empty())
            CHECK(eval.evaluate(arch, e.syscall, {}) == kAllow);
        CHECK(eval.evaluate(arch, "clone3", {}) == 0x00050000u + 38);
        CHECK(eval.evaluate(arch, "ptrace", {}) == def);
        CHECK(eval.evaluate(arch, "mount", {}) == def);
        bool filters = c.opts.arg_filters;
        uint32_t want = filters ? def : kAllow;
        // unshare(CLONE_NEWUSER): compat saw only CLONE_NEWUTS; the others never called it.
        CHECK(eval.evaluate(arch, "unshare", args_with({{0, 0x10000000}})) == (pol.find("unshare") ? want : def));
        if (pol.find("socket")) {  // AF_INET/AF_INET6/AF_UNIX seen, never AF_NETLINK
          CHECK(eval.evaluate(arch, "socket", args_with({{0, 16}, {1, 3}})) == want);
          CHECK(eval.evaluate(arch, "socket", args_with({{0, 16}, {1, 1}})) == want);
        }
        if (pol.find("clone")) {
          CHECK(eval.evaluate(arch, "clone", args_with({{0, 0x01200011}})) == kAllow);
          CHECK(eval.evaluate(arch, "clone", args_with({{0, 0x01200011 | 0x20000}})) == want);      // CLONE_NEWNS
          CHECK(eval.evaluate(arch, "clone", args_with({{0, 0x01200011 | 0x10000000}})) == want);  // CLONE_NEWUSER
        }
        if (pol.find("mprotect"))
          CHECK(eval.evaluate(arch, "mprotect", args_with({{2, 0x6}})) == want);  // PROT_WRITE|PROT_EXEC
        if (pol.find("mmap") && sys::find("mmap")->exists_on(arch))
          CHECK(eval.evaluate(arch, "mmap", args_with({{2, 0x7}})) == want);
      }
    }
  }
}

TEST_CASE("the policy says where each entry came from") {
  ev::Evidence ev = ev::read_evidence("data/webapp.evidence.json");
  Policy pol = build_policy(ev, with([](PolicyOptions& o) {
    o.arches = {Arch::aarch64};
    o.runtime = "runc";
    o.runtime_tails = slurp("data/runtime-tails.tsv");
  }));
  const PolicyEntry* socket = pol.find("socket");
  REQUIRE(socket);
  CHECK(socket->has(Origin::observed));
  CHECK(socket->count == 1);
  CHECK(socket->processes.at(0).exe == "/usr/bin/app");
  CHECK(socket->arg_values.at("domain").count("AF_INET") == 1);
  REQUIRE(socket->filters.size() == 3);
  CHECK(socket->filters[0].names == std::vector<std::string>{"AF_INET"});
  CHECK(socket->filters[0].mask == 0xffffffffu);  // a 32-bit int: MASKED_EQ
  CHECK(pol.find("exit")->has(Origin::essential));
  CHECK_FALSE(pol.find("sigreturn"));  // neither x86_64 nor aarch64 has it
  CHECK(pol.find("clone3")->errno_ret == 38u);
  CHECK(pol.find("clone")->has(Origin::fallback));
  CHECK(pol.find("epoll_pwait")->has(Origin::translation));
  CHECK_FALSE(pol.find("epoll_pwait")->has(Origin::observed));
  CHECK(pol.find("capset")->has(Origin::runtime_tail));
  CHECK(pol.arch_why.at("aarch64") == "asked for with --arch");
  // Compat arches only when observed.
  CHECK(pol.arches == std::vector<Arch>{Arch::x86_64, Arch::aarch64});
  Policy compat = build_policy(ev::read_evidence("data/compat.evidence.json"), {});
  CHECK(compat.arches == std::vector<Arch>{Arch::x86_64, Arch::i386});
  CHECK(compat.find("sigreturn"));  // i386 has it
}

TEST_CASE("--exclude-process leaves a helper out, with a warning; bad options are usage errors") {
  ev::Evidence ev = ev::read_evidence("data/webapp.evidence.json");
  Policy pol = build_policy(ev, with([](PolicyOptions& o) { o.exclude_processes = {"/bin/sh"}; }));
  CHECK_FALSE(pol.find("fcntl"));
  CHECK(pol.find("execve") == nullptr);
  REQUIRE_FALSE(pol.warnings.empty());
  CHECK(pol.warnings.front().find("seccomp is inherited") != std::string::npos);
  auto usage = [&](PolicyOptions o) {
    try {
      build_policy(ev, o);
    } catch (const Error& e) {
      return std::string(e.what()) + (e.exit_code() == kExitUsage ? " [2]" : " [?]");
    }
    return std::string();
  };
  CHECK(usage(with([](PolicyOptions& o) { o.phases = {"reload"}; })) ==
        "no phase 'reload' in the evidence (phases: startup, serving) [2]");
  CHECK(usage(with([](PolicyOptions& o) { o.runtime = "lxc"; })).rfind("unknown runtime 'lxc'", 0) == 0);
  CHECK(usage(with([](PolicyOptions& o) { o.exclude_processes = {"/nope"}; })) ==
        "--exclude-process /nope: no such process in the evidence [2]");
}

TEST_CASE("merge is associative and commutative, and refuses the same run twice") {
  ev::Evidence a = ev::read_evidence("data/webapp.evidence.json");
  ev::Evidence b = ev::read_evidence("data/replica-b.evidence.json");
  ev::Evidence c = ev::read_evidence("data/compat.evidence.json");
  auto merged = [](std::initializer_list<const ev::Evidence*> parts) {
    ev::Evidence out;
    for (auto* p : parts) ev::merge_into(out, *p);
    return ev::dump_evidence(out);
  };
  ev::Evidence ab, bc;
  ev::merge_into(ab, a), ev::merge_into(ab, b);
  ev::merge_into(bc, b), ev::merge_into(bc, c);
  CHECK(merged({&a, &b}) == merged({&b, &a}));
  CHECK(merged({&ab, &c}) == merged({&a, &bc}));
  CHECK(merged({&a, &b, &c}) == merged({&c, &a, &b}));
  ev::Evidence all = read_merged({"data/webapp.evidence.json", "data/replica-b.evidence.json"});
  CHECK(all.processes.at({"/usr/bin/app", "app"}).phases.at("startup").at("x86_64").at("read").count == 14);
  std::string err;
  try {
    read_merged({"data/webapp.evidence.json", "data/replica-b.evidence.json", "data/webapp.evidence.json"});
  } catch (const Error& e) {
    err = e.what();
  }
  CHECK(err == "data/webapp.evidence.json: recording '/usr/bin/app started 2026-11-27T10:00:00Z' is already in "
               "data/webapp.evidence.json, data/replica-b.evidence.json: merging the same run twice would double its counts");
}

TEST_CASE("syscalls an incremental recording already knew stay allowed") {
  ev::Evidence ev = ev::read_evidence("data/replica-b.evidence.json");
  ev.recordings.at(0).known = {"getpid", "nanosleep", "read"};
  Policy pol = build_policy(ev, {});
  REQUIRE(pol.find("getpid"));
  CHECK(pol.find("getpid")->has(Origin::known));
  CHECK_FALSE(pol.find("getpid")->has(Origin::observed));
  CHECK(pol.find("read")->has(Origin::observed));
  Evaluator eval(to_profile(pol), {.strict = true, .host = Arch::x86_64, .caps = {}});
  CHECK(eval.evaluate(Arch::x86_64, "nanosleep", {}) == kAllow);
}
