#!/usr/bin/env bash
# Records Debian's redis-server through its whole lifecycle with `syscribe record`:
# startup, serving under traffic.sh (which ends with a BGSAVE: redis forks a child that
# writes the snapshot and renames it into place while the parent keeps serving), and a
# SIGTERM shutdown. Then turns the evidence into a profile and a review report and prints
# where they are with a short summary. redis has no reload signal (it ignores SIGHUP),
# so there is no reload phase.
#
# Usage: examples/redis/record.sh [OUTDIR]        (default: examples/redis/out)
# Environment: BUILD (default: build/), SYSCRIBE (the syscribe binary), REDIS_SERVER
# (default: /usr/bin/redis-server); traffic.sh needs redis-cli (redis-tools).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD:-$root/build}
syscribe=${SYSCRIBE:-$build/cli/syscribe}
redis=${REDIS_SERVER:-/usr/bin/redis-server}
out=${1:-$here/out}

if [ ! -x "$syscribe" ]; then
  echo "record.sh: $syscribe is missing; build first (scripts/setup.sh)" >&2
  exit 1
fi
syscribe=$(realpath "$syscribe")   # the recording runs from the output directory
if [ ! -x "$redis" ] || ! command -v redis-cli > /dev/null; then
  echo "record.sh: $redis or redis-cli is missing; install them: apt-get install redis-server redis-tools" >&2
  exit 1
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
run="$out/run"
rm -rf "$run"   # no dump.rdb from an earlier run: startup then loads nothing
mkdir -p "$run"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# Every output is named relative to $out, so the report names them without a temp path.
cd "$out"
evidence=redis.evidence.json
profile=redis.json
report=redis.report.md
rm -f "$evidence" "$profile" "$report"

traffic="$(printf '%q %q >> %q 2>&1' "$here/traffic.sh" "$port" "$run/traffic.log")"
echo "record.sh: recording $redis on 127.0.0.1:$port (logs: $run/redis.log, $run/traffic.log)"
status=0
"$syscribe" record -q -o "$evidence" \
    --ready "tcp:127.0.0.1:$port" --traffic "$traffic" \
    -- "$redis" "$here/redis.conf" --port "$port" --dir "$run" --pidfile "$run/redis.pid" \
    > "$run/redis.log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  echo "record.sh: syscribe record exited with status $status; the last lines of the logs:" >&2
  tail -n 5 "$run/redis.log" "$run/traffic.log" >&2 2>/dev/null || true
  exit 1
fi
if [ ! -s "$run/dump.rdb" ]; then
  echo "record.sh: no $run/dump.rdb: the background save did not happen" >&2
  exit 1
fi
if [ -e "$run/redis.pid" ]; then
  echo "record.sh: redis left its pid file behind: its shutdown path did not run" >&2
  exit 1
fi

gen_args=(--report "$report")
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
