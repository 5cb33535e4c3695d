// Test programs announce the syscalls they make on purpose, one line
// "expect ARCH:NAME[:ARG=VALUE]..." on stdout, written with write(2) so that
// announcing adds only `write`. ARCH "native" is the arch the program was built for.
// The runner (../run_tracer_tests.py) checks syscribe's evidence against these lines
// and against strace -f.
#pragma once
#include <string.h>
#include <unistd.h>

static inline void announce(const char* line) {
  ssize_t r = write(1, line, strlen(line));
  r = write(1, "\n", 1);
  (void)r;
}
