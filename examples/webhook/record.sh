#!/usr/bin/env bash
# Records the webhook example through its whole lifecycle (startup, serving under
# traffic, a SIGHUP reload, traffic again, SIGTERM shutdown) with `syscribe record`,
# then turns the evidence into a profile and a review report, and prints where
# they are with a three-line summary.
#
# Usage: examples/webhook/record.sh [OUTDIR]        (default: examples/webhook/out)
# Environment: BUILD (default: build/), SYSCRIBE and WEBHOOK (the two binaries).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD:-$root/build}
syscribe=${SYSCRIBE:-$build/cli/syscribe}
webhook=${WEBHOOK:-$build/examples/webhook/webhook}
out=${1:-$here/out}

for bin in "$syscribe" "$webhook"; do
  if [ ! -x "$bin" ]; then
    echo "record.sh: $bin is missing; build first (scripts/setup.sh)" >&2
    exit 1
  fi
done

mkdir -p "$out/run"
out=$(cd "$out" && pwd)
run="$out/run"
rm -f "$run/events.jsonl" "$run/webhook.pid" "$run/webhook.log"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
token="example-token"
cat > "$run/webhook.json" <<EOF
{
  "listen": "127.0.0.1",
  "port": $port,
  "data": "$run/events.jsonl",
  "token": "$token",
  "pid_file": "$run/webhook.pid"
}
EOF
evidence="$out/webhook.evidence.json"
profile="$out/webhook.json"
report="$out/webhook.report.md"

# wait_for DESCRIPTION COMMAND...: polls COMMAND for up to 10 s.
wait_for() {
  local what=$1; shift
  for _ in $(seq 200); do
    if "$@" 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "record.sh: timed out waiting for $what" >&2
  return 1
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
logged() { grep -q "$1" "$run/webhook.log"; }

echo "record.sh: recording $webhook on $url (log: $run/webhook.log)"
if "$syscribe" record --help | grep -q -- '--traffic'; then
  # The recorder drives the lifecycle itself: ready -> traffic -> reload -> traffic -> stop.
  "$syscribe" record -q -o "$evidence" --ready "tcp:127.0.0.1:$port" \
      --traffic "$here/traffic.sh $url $token" --reload \
      -- "$webhook" --config "$run/webhook.json" > "$run/webhook.log"
else
  # Drive it from here: signals go to the webhook itself, as an operator's would.
  "$syscribe" record -q -o "$evidence" -- "$webhook" --config "$run/webhook.json" > "$run/webhook.log" &
  recorder=$!
  trap 'kill -TERM "$recorder" 2>/dev/null || true' EXIT
  wait_for "port $port" port_open
  wait_for "the pid file" test -s "$run/webhook.pid"
  pid=$(cat "$run/webhook.pid")
  TRAFFIC_TAG=serving "$here/traffic.sh" "$url" "$token" > "$run/traffic.log"
  kill -HUP "$pid"
  wait_for "the reload" logged "configuration reloaded"
  TRAFFIC_TAG=reloaded "$here/traffic.sh" "$url" "$token" >> "$run/traffic.log"
  kill -TERM "$pid"
  status=0
  wait "$recorder" || status=$?
  trap - EXIT
  if [ "$status" -ne 0 ]; then
    echo "record.sh: the webhook exited with status $status (see $run/webhook.log)" >&2
    exit 1
  fi
fi
if [ -e "$run/webhook.pid" ]; then
  echo "record.sh: the webhook left its pid file behind: its shutdown path did not run" >&2
  exit 1
fi

gen_args=()
if "$syscribe" generate --help | grep -q -- '--report'; then gen_args+=(--report "$report"); else report=""; fi
if [ -f "$here/review.yaml" ]; then gen_args+=(--review "$here/review.yaml"); fi
"$syscribe" generate -q "$evidence" -o "$profile" "${gen_args[@]}"

echo
echo "evidence: $evidence"
echo "profile:  $profile"
[ -n "$report" ] && echo "report:   $report"
python3 - "$evidence" "$profile" <<'EOF'
import json, sys
ev = json.load(open(sys.argv[1]))
prof = json.load(open(sys.argv[2]))
phases = {}
for proc in ev["processes"]:
    for phase, arches in proc["phases"].items():
        for calls in arches.values():
            phases.setdefault(phase, set()).update(calls)
allowed = sorted({n for r in prof.get("syscalls", []) if r["action"] == "SCMP_ACT_ALLOW" for n in r["names"]})
order = [m["phase"] for r in ev["recordings"] for m in r.get("marks", [])]
names = [p for p in dict.fromkeys(order + sorted(phases)) if p in phases]
print(f"recorded: {len(ev['processes'])} process identities; distinct syscalls per phase: "
      + ", ".join(f"{p} {len(phases[p])}" for p in names))
print(f"profile:  {len(allowed)} syscalls allowed, default action {prof['defaultAction']}, "
      f"architectures {', '.join(prof.get('architectures', [])) or 'native'}")
print(f"next:     syscribe k8s {sys.argv[2]} --name webhook -o k8s/   (docs/kubernetes.md)")
EOF
