#!/usr/bin/env bash
# Runs each parser's libFuzzer target for a bounded time (default 60 s each) on its
# committed corpus (fuzz/corpus/TARGET), then merges new interesting inputs back into it.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   targets: evidence profile audit_log decisions cli oci_config
# Not part of scripts/test.sh: fuzzing is open-ended; this script bounds it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(evidence profile audit_log decisions cli oci_config)

scripts/setup.sh >/dev/null
for p in clang libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null; }
done
if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang CXX=clang++ meson setup build-fuzz -Dfuzz=true -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C build-fuzz $(printf 'fuzz/fuzz_%s ' "${targets[@]}")

status=0
for t in "${targets[@]}"; do
  corpus=fuzz/corpus/$t
  found=$(mktemp -d)
  mkdir -p "$corpus"
  echo "fuzz: $t for ${seconds}s (corpus $corpus: $(ls "$corpus" | wc -l) inputs)"
  if ! build-fuzz/fuzz/fuzz_$t -max_total_time="$seconds" -max_len=65536 -timeout=10 \
        -artifact_prefix="build-fuzz/crash-$t-" "$found" "$corpus" 2>build-fuzz/fuzz-$t.log; then
    echo "fuzz: $t FAILED; see build-fuzz/fuzz-$t.log and build-fuzz/crash-$t-*" >&2
    tail -30 build-fuzz/fuzz-$t.log >&2
    status=1
  fi
  # Keep only inputs that add coverage: the committed corpus stays small.
  build-fuzz/fuzz/fuzz_$t -merge=1 "$corpus" "$found" >/dev/null 2>&1 || true
  rm -rf "$found"
done
exit $status
