#include <catch2/catch.hpp>
#include <unistd.h>

#include "syscalls-tables/syscalls.h"
#include "tracer/aggregate.h"
#include "tracer/phase_clock.h"

using namespace syscribe;
using namespace syscribe::tracer;

namespace {

SyscallStop stop_of(sys::Arch arch, const char* name, std::array<uint64_t, 6> args = {}) {
  const sys::SyscallInfo* info = sys::find(name);
  REQUIRE(info);
  REQUIRE(info->exists_on(arch));
  SyscallStop s;
  s.op = StopOp::seccomp;
  s.arch = arch;
  s.arch_known = true;
  s.nr = static_cast<uint64_t>(info->number(arch));
  s.args = args;
  return s;
}

}  // namespace

TEST_CASE("stops aggregate into counts, first and last per syscall", "[tracer]") {
  Aggregator agg;
  PhaseClock clock("run", "launch");
  Identity& id = agg.identity("/bin/x", "x");
  id.instances = 1;
  agg.record(id, 0, stop_of(sys::Arch::x86_64, "close"), 1.5, getpid());
  agg.record(id, 0, stop_of(sys::Arch::x86_64, "close"), 2.5, getpid());
  agg.record(id, 0, stop_of(sys::Arch::i386, "close"), 3.0, getpid());
  CHECK(agg.total() == 3);
  CHECK(agg.distinct() == 2);
  ev::Evidence e = agg.to_evidence(clock);
  const auto& calls = e.processes.at({"/bin/x", "x"}).phases.at("run");
  const auto& st = calls.at("x86_64").at("close");
  CHECK(st.count == 2);
  CHECK(st.first == 1.5);
  CHECK(st.last == 2.5);
  CHECK(calls.at("i386").at("close").count == 1);
}

TEST_CASE("recorded arguments keep distinct values; 32-bit ones lose their high half", "[tracer]") {
  const sys::SyscallInfo* socket = sys::find("socket");
  REQUIRE(socket);
  int domain = socket->arg_index("domain");
  REQUIRE(domain >= 0);
  REQUIRE(socket->args[static_cast<size_t>(domain)].use != sys::ArgUse::none);
  Aggregator agg;
  PhaseClock clock("run", "launch");
  Identity& id = agg.identity("/bin/x", "x");
  id.instances = 1;
  std::array<uint64_t, 6> a{};
  a[static_cast<size_t>(domain)] = 0xdead00000002ull;  // garbage above an int's 32 bits
  agg.record(id, 0, stop_of(sys::Arch::x86_64, "socket", a), 0, getpid());
  a[static_cast<size_t>(domain)] = 10;
  agg.record(id, 0, stop_of(sys::Arch::x86_64, "socket", a), 0, getpid());
  agg.record(id, 0, stop_of(sys::Arch::x86_64, "socket", a), 0, getpid());
  ev::Evidence e = agg.to_evidence(clock);
  const auto& values = e.processes.at({"/bin/x", "x"}).phases.at("run").at("x86_64").at("socket").args.at("domain");
  CHECK(values.size() == 2);
  CHECK(values.at("0x2") == 1);
  CHECK(values.at("0xa") == 2);
}

TEST_CASE("path arguments are read from the tracee's memory", "[tracer]") {
  static const char path[] = "/usr/bin/some-program";
  Aggregator agg;
  PhaseClock clock("run", "launch");
  Identity& id = agg.identity("/bin/x", "x");
  id.instances = 1;
  std::array<uint64_t, 6> a{};
  a[0] = reinterpret_cast<uint64_t>(path);
  agg.record(id, 0, stop_of(sys::host_arch(), "execve", a), 0, getpid());
  ev::Evidence e = agg.to_evidence(clock);
  const auto& st = e.processes.at({"/bin/x", "x"}).phases.at("run").at(std::string(sys::arch_name(sys::host_arch()))).at("execve");
  CHECK(st.args.at("filename").count(path) == 1);
}

TEST_CASE("phases are kept apart under their names", "[tracer]") {
  Aggregator agg;
  PhaseClock clock("startup", "launch");
  clock.switch_to("shutdown", "signal SIGTERM");
  Identity& id = agg.identity("/bin/x", "x");
  id.instances = 1;
  agg.record(id, 0, stop_of(sys::Arch::x86_64, "close"), 0, getpid());
  agg.record(id, 1, stop_of(sys::Arch::x86_64, "unlink"), 0, getpid());
  ev::Evidence e = agg.to_evidence(clock);
  const auto& phases = e.processes.at({"/bin/x", "x"}).phases;
  CHECK(phases.at("startup").at("x86_64").count("close") == 1);
  CHECK(phases.at("startup").at("x86_64").count("unlink") == 0);
  CHECK(phases.at("shutdown").at("x86_64").count("unlink") == 1);
}
