#!/usr/bin/env bash
# Records the Python service (service.py, standard library only, under Debian's python3)
# through its whole lifecycle with `syscribe record`: interpreter startup, serving under
# traffic.sh, a changed configuration reloaded on SIGHUP, traffic again (which checks the
# new greeting), and a SIGTERM shutdown. Then turns the evidence into a profile and a
# review report and prints where they are with a short summary.
#
# Usage: examples/python-service/record.sh [OUTDIR]   (default: examples/python-service/out)
# Environment: BUILD (default: build/), SYSCRIBE (the syscribe binary), PYTHON
# (default: /usr/bin/python3, Debian's; expected/ was recorded with it).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD:-$root/build}
syscribe=${SYSCRIBE:-$build/cli/syscribe}
python=${PYTHON:-/usr/bin/python3}
out=${1:-$here/out}

if [ ! -x "$syscribe" ]; then
  echo "record.sh: $syscribe is missing; build first (scripts/setup.sh)" >&2
  exit 1
fi
syscribe=$(realpath "$syscribe")   # the recording runs from the output directory
if [ ! -x "$python" ]; then
  echo "record.sh: $python is missing; install it: apt-get install python3" >&2
  exit 1
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
run="$out/run"
rm -rf "$run"
mkdir -p "$run"
port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
# The work copy of service.json: its own port; notes and pid file land beside it.
sed "s/\"port\": 8090/\"port\": $port/" "$here/service.json" > "$run/service.json"
grep -q "\"port\": $port" "$run/service.json" || { echo "record.sh: no '\"port\": 8090' in $here/service.json" >&2; exit 1; }

# Every output is named relative to $out, so the report names them without a temp path.
cd "$out"
evidence="python-service.evidence.json"
profile="python-service.json"
report="python-service.report.md"
rm -f "$evidence" "$profile" "$report"

# Before the reload: traffic with the shipped greeting, then a changed greeting in the
# configuration that SIGHUP makes the service read. After it: the new greeting.
traffic="$(printf '%q %q Hello >> %q 2>&1 && sed -i %q %q' "$here/traffic.sh" "$url" "$run/traffic.log" \
  's/"greeting": "Hello"/"greeting": "Welcome"/' "$run/service.json")"
reload_traffic="$(printf '%q %q Welcome >> %q 2>&1' "$here/traffic.sh" "$url" "$run/traffic.log")"
echo "record.sh: recording $python $here/service.py on $url (logs: $run/service.log, $run/traffic.log)"
# Ready when the service prints its ready line: at startup and again after the reload.
status=0
"$syscribe" record -q -o "$evidence" \
    --ready 'log:^ready: serving on ' \
    --traffic "$traffic" --reload --reload-traffic "$reload_traffic" \
    -- "$python" -u "$here/service.py" --config "$run/service.json" > "$run/service.log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  echo "record.sh: syscribe record exited with status $status; the last lines of the logs:" >&2
  tail -n 5 "$run/service.log" "$run/traffic.log" >&2 2>/dev/null || true
  exit 1
fi
if [ -e "$run/service.pid" ] || ! grep -qx stopped "$run/service.log"; then
  echo "record.sh: the service did not stop cleanly (see $run/service.log)" >&2
  exit 1
fi

gen_args=(--report "$report")
if [ -f "$here/review.yaml" ]; then gen_args+=(--review "$here/review.yaml"); fi
"$syscribe" generate -q "$evidence" -o "$profile" "${gen_args[@]}"

echo
echo "evidence: $out/$evidence"
echo "profile:  $out/$profile"
echo "report:   $out/$report"
"$python" - "$evidence" "$profile" <<'PY'
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
