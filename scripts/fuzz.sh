#!/usr/bin/env bash
# Fuzzes every input parser with libFuzzer (clang). Targets are the fuzz/fuzz_NAME.cpp
# files; each runs on its committed corpus, fuzz/corpus/NAME.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   open-ended use: SECONDS (default 60) per target,
#                                           then new interesting inputs are merged into the corpus
#   scripts/fuzz.sh --check [SECONDS]       CI: the whole project built with clang and
#                                           -Werror (so clang stays warning-free), every
#                                           target replays its corpus and fuzzes SECONDS
#                                           (default 5); the corpus is left as committed
#
# Exit status: 0, or 1 if a build failed or a target crashed (the input that did it is
# kept as build-fuzz/crash-TARGET-*).
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
if [ "${1:-}" = --check ]; then
  check=1
  shift
fi
seconds=${1:-$([ $check = 1 ] && echo 5 || echo 60)}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/fuzz_*.cpp; do
    t=${f#fuzz/fuzz_}
    targets+=("${t%.cpp}")
  done
fi

scripts/setup.sh >/dev/null
for p in clang libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || {
    echo "fuzz: installing $p"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null; }
done
if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang CXX=clang++ meson setup build-fuzz -Dfuzz=true -Dbuildtype=debugoptimized >/dev/null
fi
if [ $check = 1 ]; then
  meson configure build-fuzz -Dwerror=true
  echo "fuzz: building everything with clang, warnings as errors (build-fuzz/)"
  ninja -C build-fuzz
else
  ninja -C build-fuzz $(printf 'fuzz/fuzz_%s ' "${targets[@]}")
fi

status=0
for t in "${targets[@]}"; do
  corpus=fuzz/corpus/$t
  [ -d "$corpus" ] || { echo "fuzz: $t has no corpus ($corpus)" >&2; status=1; continue; }
  found=$(mktemp -d)
  echo "fuzz: $t for ${seconds}s (corpus $corpus: $(ls "$corpus" | wc -l) inputs)"
  if ! build-fuzz/fuzz/fuzz_$t -max_total_time="$seconds" -max_len=65536 -timeout=10 \
        -artifact_prefix="build-fuzz/crash-$t-" "$found" "$corpus" >build-fuzz/fuzz-$t.log 2>&1; then
    echo "fuzz: $t FAILED; see build-fuzz/fuzz-$t.log and build-fuzz/crash-$t-*" >&2
    tail -30 build-fuzz/fuzz-$t.log >&2
    status=1
  fi
  # Keep only inputs that add coverage: the committed corpus stays small.
  [ $check = 1 ] || build-fuzz/fuzz/fuzz_$t -merge=1 "$corpus" "$found" >/dev/null 2>&1 || true
  rm -rf "$found"
done
[ $status = 0 ] && echo "fuzz: ${#targets[@]} targets ran without a crash"
exit $status
