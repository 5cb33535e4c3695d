#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <unistd.h>

#include "core/error.h"
#include "evidence/evidence.h"
#include "syscalls-tables/syscalls.h"

using namespace syscribe;

namespace {

ev::Evidence sample(const std::string& exe, uint64_t n, double first, const std::string& flag) {
  ev::Evidence e;
  ev::Recording r;
  r.command = {exe};
  r.started = "2026-11-27T10:00:0" + std::to_string(n % 10) + "Z";
  r.mode = "seccomp";
  r.marks.push_back({"startup", 0, "launch"});
  e.recordings.push_back(r);
  ev::Process& p = e.processes[{exe, "app"}];
  p.exe = exe;
  p.comm = "app";
  p.instances = 1;
  p.argvs.insert({exe, std::to_string(n)});
  auto& st = p.phases["startup"]["x86_64"]["openat"];
  st.count = n;
  st.first = first;
  st.last = first + 1;
  st.args["flags"][flag] = n;
  return e;
}

ev::Evidence merged(std::initializer_list<ev::Evidence> parts) {
  ev::Evidence out;
  for (const auto& p : parts) ev::merge_into(out, p);
  return out;
}

std::string temp_path(const char* name) { return std::string("/tmp/syscribe-evtest-") + std::to_string(getpid()) + name; }

}  // namespace

TEST_CASE("evidence survives a JSON round trip unchanged", "[evidence]") {
  ev::Evidence e = sample("/bin/app", 3, 0.25, "0x80000");
  std::string text = ev::dump_evidence(e);
  ev::Evidence back = ev::from_json(nlohmann::json::parse(text), "t.json");
  CHECK(ev::dump_evidence(back) == text);
}

TEST_CASE("merge sums counts and keeps the earliest first and latest last", "[evidence]") {
  ev::Evidence m = merged({sample("/bin/app", 3, 0.5, "0x1"), sample("/bin/app", 4, 0.25, "0x2")});
  const auto& st = m.processes.at({"/bin/app", "app"}).phases.at("startup").at("x86_64").at("openat");
  CHECK(st.count == 7);
  CHECK(st.first == 0.25);
  CHECK(st.last == 1.5);
  CHECK(st.args.at("flags").at("0x1") == 3);
  CHECK(st.args.at("flags").at("0x2") == 4);
  CHECK(m.recordings.size() == 2);
  CHECK(m.processes.at({"/bin/app", "app"}).instances == 2);
}

TEST_CASE("merge is commutative and associative", "[evidence]") {
  auto a = sample("/bin/a", 1, 0.1, "0x1");
  auto b = sample("/bin/app", 2, 0.2, "0x2");
  auto c = sample("/bin/app", 5, 0.05, "0x1");
  std::string abc = ev::dump_evidence(merged({a, b, c}));
  CHECK(ev::dump_evidence(merged({c, b, a})) == abc);
  CHECK(ev::dump_evidence(merged({b, a, c})) == abc);
  CHECK(ev::dump_evidence(merged({merged({a, b}), c})) == abc);
  CHECK(ev::dump_evidence(merged({a, merged({b, c})})) == abc);
}

TEST_CASE("merge keeps one stack whichever side comes first, and never loses it to a side without", "[evidence]") {
  auto stack_of = [](const ev::Evidence& e) {
    return e.processes.at({"/bin/app", "app"}).phases.at("startup").at("x86_64").at("openat").stack;
  };
  auto set_stack = [](ev::Evidence& e, std::vector<std::string> frames) {
    e.processes.at({"/bin/app", "app"}).phases["startup"]["x86_64"]["openat"].stack = std::move(frames);
  };
  auto late = sample("/bin/app", 2, 0.5, "0x2");
  auto early = sample("/bin/app", 3, 0.25, "0x1");
  set_stack(late, {"openat (libc.so.6)", "late (app)"});
  set_stack(early, {"openat (libc.so.6)", "early (app)"});
  CHECK(stack_of(merged({late, early})) == std::vector<std::string>{"openat (libc.so.6)", "early (app)"});
  CHECK(ev::dump_evidence(merged({late, early})) == ev::dump_evidence(merged({early, late})));

  // Same first call time: the smaller stack wins, both ways.
  auto tie = sample("/bin/app", 4, 0.25, "0x1");
  set_stack(tie, {"openat (libc.so.6)", "another (app)"});
  CHECK(stack_of(merged({early, tie})) == std::vector<std::string>{"openat (libc.so.6)", "another (app)"});
  CHECK(ev::dump_evidence(merged({early, tie})) == ev::dump_evidence(merged({tie, early})));

  // A recording made without --stacks (even of an earlier call) keeps the stack, in any
  // order and grouping.
  auto bare = sample("/bin/app", 5, 0.1, "0x1");
  CHECK(stack_of(merged({bare, late})) == std::vector<std::string>{"openat (libc.so.6)", "late (app)"});
  CHECK(ev::dump_evidence(merged({bare, late})) == ev::dump_evidence(merged({late, bare})));
  CHECK(ev::dump_evidence(merged({merged({bare, late}), early})) ==
        ev::dump_evidence(merged({bare, merged({late, early})})));
}

TEST_CASE("malformed evidence is refused with the file and JSON path", "[evidence]") {
  auto j = ev::to_json(sample("/bin/app", 1, 0, "0x1"));
  j["processes"][0]["phases"]["startup"]["x86_64"]["openat"]["count"] = "many";
  try {
    ev::from_json(j, "bad.json");
    FAIL("accepted a string count");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) ==
          "bad.json: $.processes[0].phases.startup.x86_64.openat.count: expected an integer, found string");
  }
}

TEST_CASE("a wrong format version is refused by name", "[evidence]") {
  auto j = ev::to_json(sample("/bin/app", 1, 0, "0x1"));
  j["version"] = 7;
  CHECK_THROWS_WITH(ev::from_json(j, "v.json"),
                    "v.json: $.version: unsupported evidence version 7 (this syscribe reads version 1)");
  j["format"] = "something-else";
  CHECK_THROWS_WITH(ev::from_json(j, "v.json"), Catch::Contains("not a syscribe evidence file"));
}

TEST_CASE("JSON syntax errors name the line and column", "[evidence]") {
  std::string path = temp_path("syntax.json");
  {
    std::ofstream out(path);
    out << "{\n  \"format\": \"syscribe-evidence\",\n  \"version\": 1,,\n}\n";
  }
  CHECK_THROWS_WITH(ev::read_evidence(path), Catch::StartsWith(path + ":3:16: invalid JSON"));
  std::remove(path.c_str());
}

TEST_CASE("a number too large for a double is refused with its position, not a crash", "[evidence]") {
  std::string path = temp_path("overflow.json");
  {
    std::ofstream out(path);
    out << "{\n  \"format\": \"syscribe-evidence\",\n  \"first\": 0.008e803\n}\n";
  }
  CHECK_THROWS_WITH(ev::read_evidence(path),
                    Catch::StartsWith(path + ":3:12: invalid JSON: number overflow parsing '0.008e803'"));
  std::remove(path.c_str());
}

TEST_CASE("truncated evidence is refused and an unreadable path names the file", "[evidence]") {
  std::string text = ev::dump_evidence(sample("/bin/app", 1, 0, "0x1"));
  std::string path = temp_path("trunc.json");
  {
    std::ofstream out(path);
    out << text.substr(0, text.size() / 2);
  }
  CHECK_THROWS_WITH(ev::read_evidence(path), Catch::StartsWith(path + ":"));
  std::remove(path.c_str());
  CHECK_THROWS_WITH(ev::read_evidence("/nonexistent/e.json"),
                    "cannot read /nonexistent/e.json: No such file or directory");
}

TEST_CASE("writing evidence to an unwritable place leaves the old file intact", "[evidence]") {
  std::string path = temp_path("keep.json");
  ev::write_evidence(path, sample("/bin/app", 1, 0, "0x1"));
  std::string before = ev::dump_evidence(ev::read_evidence(path));
  CHECK_THROWS(ev::write_evidence("/nonexistent-dir/e.json", sample("/bin/x", 2, 0, "0x2")));
  CHECK(ev::dump_evidence(ev::read_evidence(path)) == before);
  std::remove(path.c_str());
}

TEST_CASE("phase names follow the order of the marks", "[evidence]") {
  ev::Evidence e = sample("/bin/app", 1, 0, "0x1");
  e.recordings[0].marks = {{"startup", 0, "launch"}, {"serving", 1, "ready"}, {"shutdown", 3, "signal SIGTERM"}};
  e.processes.begin()->second.phases["shutdown"]["x86_64"]["unlink"].count = 1;
  CHECK(e.phase_names() == std::vector<std::string>{"startup", "serving", "shutdown"});
}

TEST_CASE("optional members may be absent (found by fuzzing: a dangling fallback)", "[evidence]") {
  auto j = ev::to_json(sample("/bin/app", 1, 0, "0x1"));
  j["processes"][0].erase("argv");
  j["processes"][0].erase("parents");
  j["processes"][0].erase("instances");
  j["recordings"][0].erase("marks");
  ev::Evidence e = ev::from_json(j, "opt.json");
  const auto& p = e.processes.at({"/bin/app", "app"});
  CHECK(p.argvs.empty());
  CHECK(p.instances == 1);
  CHECK(e.recordings[0].marks.empty());
}

TEST_CASE("a checkpoint says it is incomplete and carries no exit status", "[evidence]") {
  ev::Evidence e = sample("/bin/app", 1, 0, "0x1");
  e.recordings[0].exit_status = 7;
  e.recordings[0].complete = false;
  auto j = ev::to_json(e);
  CHECK(j["recordings"][0]["complete"] == false);
  CHECK_FALSE(j["recordings"][0].contains("exit_status"));
  ev::Evidence back = ev::from_json(j, "cp.json");
  CHECK_FALSE(back.recordings[0].complete);
  REQUIRE(ev::incomplete_recordings(back).size() == 1);
  CHECK_THAT(ev::incomplete_recordings(back)[0], Catch::Contains("'/bin/app'") && Catch::Contains("incomplete"));
  // A finished recording says nothing of completeness and keeps its status.
  e.recordings[0].complete = true;
  j = ev::to_json(e);
  CHECK_FALSE(j["recordings"][0].contains("complete"));
  CHECK(j["recordings"][0]["exit_status"] == 7);
  CHECK(ev::incomplete_recordings(ev::from_json(j, "done.json")).empty());
}

TEST_CASE("an incomplete recording with an exit status is refused", "[evidence]") {
  auto j = ev::to_json(sample("/bin/app", 1, 0, "0x1"));
  j["recordings"][0]["complete"] = false;
  CHECK_THROWS_WITH(ev::from_json(j, "cp.json"),
                    "cp.json: $.recordings[0].exit_status: an incomplete recording (\"complete\": false) has no exit status");
  j["recordings"][0]["complete"] = "no";
  CHECK_THROWS_WITH(ev::from_json(j, "cp.json"), Catch::StartsWith("cp.json: $.recordings[0].complete: expected"));
}

TEST_CASE("merging keeps a checkpoint's recording incomplete", "[evidence]") {
  ev::Evidence cp = sample("/bin/app", 1, 0, "0x1");
  cp.recordings[0].complete = false;
  ev::Evidence done = sample("/bin/app", 2, 0, "0x2");
  CHECK(ev::incomplete_recordings(merged({done, cp})).size() == 1);
}

TEST_CASE("an incremental recording's known tuples survive a round trip and a merge in any order", "[evidence]") {
  ev::Evidence a = sample("/bin/app", 1, 0.1, "0x1");
  a.recordings[0].known = {"getpid"};
  a.recordings[0].known_tuples["x86_64"]["socket"] = {"domain=0x2,type=0x1,protocol=0x0", "domain=0xa,type=0x2,protocol=0x0"};
  a.recordings[0].known_tuples["i386"]["clone"] = {"flags&0x7e020000=0x0"};
  std::string text = ev::dump_evidence(a);
  CHECK(text.find(R"("known_tuples": {)") != std::string::npos);
  CHECK(ev::dump_evidence(ev::from_json(nlohmann::json::parse(text), "t.json")) == text);
  ev::Evidence b = sample("/bin/app", 2, 0.2, "0x2");
  b.recordings[0].known_tuples["x86_64"]["mmap"] = {"prot=0x3"};
  ev::Evidence c = sample("/bin/app", 3, 0.3, "0x2");
  std::string abc = ev::dump_evidence(merged({a, b, c}));
  CHECK(ev::dump_evidence(merged({c, b, a})) == abc);
  CHECK(ev::dump_evidence(merged({merged({b, a}), c})) == abc);
  CHECK(ev::dump_evidence(merged({a, merged({c, b})})) == abc);
  // Each recording keeps its own: they say what that run let through.
  ev::Evidence m = merged({a, b, c});
  size_t with = 0;
  for (const auto& r : m.recordings) with += !r.known_tuples.empty();
  CHECK(with == 2);
}

TEST_CASE("known tuple keys name recorded number arguments in call order", "[evidence]") {
  const sys::SyscallInfo& socket = *sys::find("socket");
  auto c = ev::parse_known_key(socket, "domain=0x2,protocol=0x6");
  REQUIRE(c);
  CHECK(*c == std::vector<ev::KnownCompare>{{0, ~0ull, 2}, {2, ~0ull, 6}});
  CHECK(ev::known_key(socket, *c) == "domain=0x2,protocol=0x6");
  auto m = ev::parse_known_key(*sys::find("clone"), "flags&0x7e020000=0x0");
  REQUIRE(m);
  CHECK(*m == std::vector<ev::KnownCompare>{{0, 0x7e020000, 0}});
  for (const char* bad : {"", "domain=2", "protocol=0x6,domain=0x2", "domain=0x2,domain=0x2", "family=0x2",
                          "domain=0x2,", "domain&=0x2", "domain"})
    CHECK_FALSE(ev::parse_known_key(socket, bad));
  CHECK_FALSE(ev::parse_known_key(*sys::find("execve"), "filename=0x1"));  // a string: never compared
  CHECK_FALSE(ev::parse_known_key(*sys::find("accept4"), "flags=0x80800"));  // not recorded
}

TEST_CASE("malformed known tuples are refused with the file and JSON path", "[evidence]") {
  auto j = ev::to_json(sample("/bin/app", 1, 0, "0x1"));
  j["recordings"][0]["known_tuples"] = {{"x86_64", {{"socket", {"domain=0x2", "type=AF_INET"}}}}};
  CHECK_THROWS_WITH(ev::from_json(j, "k.json"),
                    Catch::StartsWith("k.json: $.recordings[0].known_tuples.x86_64.socket[1]: \"type=AF_INET\" is not a "
                                      "known tuple of socket"));
  j["recordings"][0]["known_tuples"] = {{"x86_64", {{"frobnicate", {"a=0x1"}}}}};
  CHECK_THROWS_WITH(ev::from_json(j, "k.json"),
                    "k.json: $.recordings[0].known_tuples.x86_64.frobnicate: unknown syscall \"frobnicate\"");
  j["recordings"][0]["known_tuples"] = {{"amd64", {{"socket", {"domain=0x2"}}}}};
  CHECK_THROWS_WITH(ev::from_json(j, "k.json"),
                    "k.json: $.recordings[0].known_tuples.amd64: unknown architecture \"amd64\"");
  j["recordings"][0]["known_tuples"] = {{"x86_64", {{"socket", "domain=0x2"}}}};
  CHECK_THROWS_WITH(ev::from_json(j, "k.json"),
                    Catch::StartsWith("k.json: $.recordings[0].known_tuples.x86_64.socket: expected an array"));
  j["recordings"][0].erase("known_tuples");
  j["recordings"][0]["known_arches"] = {"x86_64", "amd64"};
  CHECK_THROWS_WITH(ev::from_json(j, "k.json"), "k.json: $.recordings[0].known_arches[1]: unknown architecture \"amd64\"");
  j["recordings"][0]["known_arches"] = {"x86_64", "i386"};
  CHECK(ev::from_json(j, "k.json").recordings[0].known_arches == std::vector<std::string>{"x86_64", "i386"});
}
