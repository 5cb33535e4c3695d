# shellcheck shell=bash
# What the examples' record.sh scripts share; sourced by them after setting `here` (the
# example's folder). Sets root, build and syscribe (absolute); example_dirs sets out
# (absolute, created) and run (a fresh work folder inside it). Usage in a record.sh:
#   here=$(cd "$(dirname "$0")" && pwd)
#   . "$here/../common.sh"
#   example_dirs "${1:-$here/out}"
#   ...; example_outputs NAME; syscribe record -o "$evidence" ...
#   example_generate "$evidence" "$profile" "$report"
set -euo pipefail

# need PROGRAM HINT: stops with "PROGRAM is missing; HINT" unless PROGRAM (a path or a
# name on PATH) can be run.
need() {
  if ! command -v "$1" > /dev/null; then
    echo "record.sh: $1 is missing; $2" >&2
    exit 1
  fi
}

# shellcheck disable=SC2154  # here: set by the sourcing record.sh
root=$(cd "$here/../.." && pwd)
build=${BUILD:-$root/build}
syscribe=${SYSCRIBE:-$build/cli/syscribe}
need "$syscribe" "build first (scripts/setup.sh)"
syscribe=$(realpath "$syscribe")   # the recording runs from the output directory

# example_dirs OUTDIR: makes OUTDIR and a fresh OUTDIR/run; sets out and run.
example_dirs() {
  mkdir -p "$1"
  out=$(cd "$1" && pwd)
  run="$out/run"
  rm -rf "$run"
  mkdir -p "$run"
}

# example_outputs NAME: enters $out and sets evidence, profile and report to NAME.evidence.json,
# NAME.json and NAME.report.md there (relative, so the report names no temp path), removing
# any left from an earlier run.
example_outputs() {
  cd "$out"
  evidence="$1.evidence.json"
  profile="$1.json"
  report="$1.report.md"
  rm -f "$evidence" "$profile" "$report"
}

# free_port: a TCP port nothing listens on now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# record_failed STATUS LOG...: says the recording failed and shows the logs' last lines.
record_failed() {
  local status=$1; shift
  echo "record.sh: syscribe record exited with status $status; the last lines of the logs:" >&2
  tail -n 5 "$@" >&2 2>/dev/null || true
  exit 1
}

# example_generate EVIDENCE PROFILE REPORT: the profile and review report (with the
# example's review.yaml when it has one), then where they are and a three-line summary.
example_generate() {
  local evidence=$1 profile=$2 report=$3
  local gen_args=(--report "$report")
  if [ -f "$here/review.yaml" ]; then gen_args+=(--review "$here/review.yaml"); fi
  "$syscribe" generate -q "$evidence" -o "$profile" "${gen_args[@]}"
  echo
  echo "evidence: $out/$evidence"
  echo "profile:  $out/$profile"
  echo "report:   $out/$report"
  python3 - "$evidence" "$out/$profile" <<'PY'
import json, os, sys
ev = json.load(open(sys.argv[1]))
prof = json.load(open(sys.argv[2]))
phases = {}
for proc in ev["processes"]:
    for phase, arches in proc["phases"].items():
        for calls in arches.values():
            phases.setdefault(phase, set()).update(calls)
order = [m["phase"] for r in ev["recordings"] for m in r.get("marks", [])]
names = [p for p in dict.fromkeys(order + sorted(phases)) if p in phases]
def count(n, word, plural):
    return f"{n} {word if n == 1 else plural}"
instances = sum(p.get("instances", 1) for p in ev["processes"])
print(f"recorded: {count(len(ev['processes']), 'process identity', 'process identities')} "
      f"({count(instances, 'process', 'processes')}); distinct syscalls per phase: "
      + ", ".join(f"{p} {len(phases[p])}" for p in names))
allowed = sorted({n for r in prof.get("syscalls", []) if r["action"] == "SCMP_ACT_ALLOW" for n in r["names"]})
print(f"profile:  {len(allowed)} syscalls allowed, default action {prof['defaultAction']}, "
      f"architectures {', '.join(prof.get('architectures', [])) or 'native'}")
name = os.path.basename(sys.argv[2]).removesuffix(".json")
print(f"next:     syscribe k8s {sys.argv[2]} --name {name} -o k8s/   (docs/kubernetes.md)")
PY
}
