# shellcheck shell=bash
# What the examples' record.sh scripts share; sourced by them after setting `here` (the
# example's folder). Sets: root, syscribe (absolute), out (absolute, created) and run (a
# fresh work folder inside it). Usage in a record.sh:
#   here=$(cd "$(dirname "$0")" && pwd)
#   . "$here/../common.sh"
#   example_dirs "${1:-$here/out}"
#   ...; example_generate NAME.evidence.json NAME.json NAME.report.md
set -euo pipefail

# shellcheck disable=SC2154  # here: set by the sourcing record.sh
root=$(cd "$here/../.." && pwd)
build=${BUILD:-$root/build}
syscribe=${SYSCRIBE:-$build/cli/syscribe}
if [ ! -x "$syscribe" ]; then
  echo "record.sh: $syscribe is missing; build first (scripts/setup.sh)" >&2
  exit 1
fi
syscribe=$(realpath "$syscribe")   # the recording runs from the output directory

# example_dirs OUTDIR: makes OUTDIR and a fresh OUTDIR/run; sets out and run.
example_dirs() {
  mkdir -p "$1"
  out=$(cd "$1" && pwd)
  run="$out/run"
  rm -rf "$run"
  mkdir -p "$run"
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
# example's review.yaml when it has one), then where they are and a short summary.
example_generate() {
  local evidence=$1 profile=$2 report=$3
  local gen_args=(--report "$report")
  if [ -f "$here/review.yaml" ]; then gen_args+=(--review "$here/review.yaml"); fi
  "$syscribe" generate -q "$evidence" -o "$profile" "${gen_args[@]}"
  echo
  echo "evidence: $out/$evidence"
  echo "profile:  $out/$profile"
  echo "report:   $out/$report"
  python3 - "$evidence" "$profile" <<'PY'
import json, sys
ev = json.load(open(sys.argv[1]))
prof = json.load(open(sys.argv[2]))
order = [m["phase"] for r in ev["recordings"] for m in r.get("marks", [])]
for proc in ev["processes"]:
    phases = {p: sum(len(c) for c in arches.values()) for p, arches in proc["phases"].items()}
    names = [p for p in dict.fromkeys(order + sorted(phases)) if p in phases]
    print(f"process:  {proc['exe']} ({proc['comm']}, {proc['instances']} processes): distinct syscalls "
          + ", ".join(f"{p} {phases[p]}" for p in names))
allowed = sorted({n for r in prof.get("syscalls", []) if r["action"] == "SCMP_ACT_ALLOW" for n in r["names"]})
print(f"profile:  {len(allowed)} syscalls allowed, default action {prof['defaultAction']}")
PY
}
