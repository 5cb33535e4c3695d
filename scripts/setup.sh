#!/usr/bin/env bash
# Installs the Debian packages syscribe needs (only those missing) and builds into build/.
# Usage: scripts/setup.sh [--test|--bench]   (also what the test suites / the benchmark use)
# Idempotent: a second run with nothing missing only runs ninja.
set -euo pipefail
cd "$(dirname "$0")/.."

build_pkgs=(g++ pkg-config python3 meson ninja-build libseccomp-dev libboost-program-options-dev
            libfmt-dev nlohmann-json3-dev catch2 libyaml-cpp-dev libdw-dev
            curl)  # curl: the example webhook's traffic script (quickstart and tests)
# Tests: strace is the oracle for the tracer tests; file checks the runtime suite's static syscribe; gcc-multilib builds the 32-bit test
# program; the -cross header packages let the table test check every arch's numbers;
# podman/crun/runc/busybox-static run the end-to-end container tests; nginx-light,
# redis-server and redis-tools are the servers of the examples and their tests; chromium
# renders the HTML review report headless; libcap2-bin gives capsh (the no_new_privs tests);
# systemd gives systemd-analyze, which checks the systemd output.
test_pkgs=(strace file libcap2-bin gcc-multilib systemd busybox-static nginx-light redis-server redis-tools chromium
           linux-libc-dev-arm64-cross linux-libc-dev-armhf-cross linux-libc-dev-riscv64-cross
           linux-libc-dev-s390x-cross linux-libc-dev-ppc64el-cross)
# The benchmark (bench/run.py): strace to compare with, nginx + wrk and redis-server +
# redis-benchmark for the server workloads.
bench_pkgs=(strace nginx-light wrk redis-server redis-tools)

want=("${build_pkgs[@]}")
case "${1:-}" in
  --test) want+=("${test_pkgs[@]}") ;;
  --bench) want+=("${bench_pkgs[@]}") ;;
  "") ;;
  *) echo "usage: scripts/setup.sh [--test|--bench]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: installing packages needs root (run with sudo)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -f build/build.ninja ]; then
  meson setup build
fi
ninja -C build
