#include <catch2/catch.hpp>
#include <thread>

#include "tracer/phase_clock.h"

using namespace syscribe::tracer;

TEST_CASE("the clock starts in its first phase with a launch mark", "[tracer]") {
  PhaseClock c("startup", "launch");
  CHECK(c.current() == 0);
  CHECK(c.current_name() == "startup");
  REQUIRE(c.marks().size() == 1);
  CHECK(c.marks()[0].source == "launch");
  CHECK(c.marks()[0].at == 0.0);
}

TEST_CASE("another thread can switch the phase; indexes stay stable", "[tracer]") {
  PhaseClock c("startup", "launch");
  std::thread t([&] { c.switch_to("serving", "ready tcp:127.0.0.1:80"); });
  t.join();
  CHECK(c.current_name() == "serving");
  uint32_t serving = c.current();
  c.switch_to("reload", "signal SIGHUP");
  c.switch_to("serving", "mark");
  CHECK(c.current() == serving);
  CHECK(c.count() == 3);
  auto marks = c.marks();
  REQUIRE(marks.size() == 4);
  CHECK(marks[1].phase == "serving");
  CHECK(marks[3].source == "mark");
  CHECK(marks[3].at >= marks[1].at);
}
