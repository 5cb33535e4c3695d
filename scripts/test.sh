#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every test suite;
# then runs them again (all but the container end-to-end suite) in a second build with
# AddressSanitizer and UndefinedBehaviorSanitizer and gcc's warnings as errors
# (SYSCRIBE_NO_SANITIZE=1 skips that pass); last, builds the whole project with clang,
# warnings as errors, and runs every fuzz target on its corpus for a few seconds
# (SYSCRIBE_NO_FUZZ=1 skips that). Under CI (CI set) a skipped check of the first pass fails
# the run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
scripts/e2e-setup.sh --servers >/dev/null || echo "test: container runtimes unavailable; the e2e runtime tests will skip" >&2
# The runtime suite mounts a statically linked syscribe into its containers (any image,
# no libc needed): build one beside the normal build.
if [ ! -f build-static/build.ninja ]; then
  meson setup build-static -Dstatic=true >/dev/null
fi
ninja -C build-static cli/syscribe >/dev/null
export SYSCRIBE_STATIC=$PWD/build-static/cli/syscribe
meson test -C build --print-errorlogs "$@"
# CI installs what every check needs, so a check that skipped there is a failure to look at
# (strace missing for the oracle, no -m32 toolchain, no capsh, ...). The container suites
# (e2e) are left out: whether a runtime can run depends on the machine, as said above.
if [ -n "${CI:-}" ]; then
  skipped=$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    t = json.loads(line)
    suites = t["name"].split(" / ")[0]
    if t.get("result") == "SKIP" and "e2e" not in suites:
        print(t["name"])' build/meson-logs/testlog.json)
  if [ -n "$skipped" ]; then
    echo "test: these checks skipped under CI, which installs what they need:" >&2
    echo "$skipped" | sed 's/^/  /' >&2
    exit 1
  fi
fi

if [ "${SYSCRIBE_NO_SANITIZE:-0}" != 1 ]; then
  echo "test: again under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)"
  if [ ! -f build-asan/build.ninja ]; then
    meson setup build-asan -Dsanitize=true >/dev/null
  fi
  meson configure build-asan -Dwerror=true
  ninja -C build-asan
  # detect_leaks: LeakSanitizer stops the process with ptrace, which a tracee cannot allow.
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    meson test -C build-asan --print-errorlogs --no-suite e2e "$@"
fi

if [ "${SYSCRIBE_NO_FUZZ:-0}" != 1 ]; then
  echo "test: clang build and a short fuzz of every input parser (build-fuzz/)"
  scripts/fuzz.sh --check 5
fi
