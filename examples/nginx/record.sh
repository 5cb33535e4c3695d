#!/usr/bin/env bash
# Records Debian's nginx (nginx-light) through its whole lifecycle with `syscribe record`:
# startup, serving under traffic.sh, a SIGHUP reload (the master re-reads its
# configuration, starts a new worker and retires the old one), traffic again, and a
# graceful SIGQUIT shutdown. Then turns the evidence into a profile and a review report
# and prints where they are with a short summary.
#
# Usage: examples/nginx/record.sh [OUTDIR]        (default: examples/nginx/out)
# Environment: BUILD (default: build/), SYSCRIBE (the syscribe binary), NGINX
# (default: /usr/sbin/nginx).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD:-$root/build}
syscribe=${SYSCRIBE:-$build/cli/syscribe}
nginx=${NGINX:-/usr/sbin/nginx}
out=${1:-$here/out}

if [ ! -x "$syscribe" ]; then
  echo "record.sh: $syscribe is missing; build first (scripts/setup.sh)" >&2
  exit 1
fi
syscribe=$(realpath "$syscribe")   # the recording runs from the output directory
if [ ! -x "$nginx" ]; then
  echo "record.sh: $nginx is missing; install it: apt-get install nginx-light" >&2
  exit 1
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
run="$out/run"
rm -rf "$run"
mkdir -p "$run/html"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
sed "s/127\.0\.0\.1:8088;/127.0.0.1:$port;/" "$here/nginx.conf" > "$run/nginx.conf"
grep -q "listen 127.0.0.1:$port;" "$run/nginx.conf" || { echo "record.sh: no 'listen 127.0.0.1:8088;' in $here/nginx.conf" >&2; exit 1; }
cat > "$run/html/index.html" <<'EOF'
<!doctype html>
<title>nginx example</title>
<p>This page is served by nginx while it is recorded by syscribe.</p>
EOF
# As root the master runs its worker as nobody, which must reach the pages.
chmod 755 "$out" "$run" "$run/html"
chmod 644 "$run/html/index.html"

# Every output is named relative to $out, so the report names them without a temp path.
cd "$out"
evidence=nginx.evidence.json
profile=nginx.json
report=nginx.report.md
rm -f "$evidence" "$profile" "$report"

traffic="$(printf '%q %q >> %q 2>&1' "$here/traffic.sh" "$url" "$run/traffic.log")"
echo "record.sh: recording $nginx on $url (logs: $run/nginx.log, $run/traffic.log)"
# Ready when the master says it started a worker: at startup and again after the reload
# (a TCP check would pass at once after SIGHUP, since the listening socket stays open).
status=0
"$syscribe" record -q -o "$evidence" \
    --ready 'log:start worker process [0-9]+' \
    --traffic "$traffic" --reload --stop-signal QUIT \
    -- "$nginx" -p "$run/" -e stderr -c nginx.conf > "$run/nginx.log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  echo "record.sh: syscribe record exited with status $status; the last lines of the logs:" >&2
  tail -n 5 "$run/nginx.log" "$run/traffic.log" >&2 2>/dev/null || true
  exit 1
fi
if [ -e "$run/nginx.pid" ]; then
  echo "record.sh: nginx left its pid file behind: its shutdown path did not run" >&2
  exit 1
fi

gen_args=(--report "$report")
if [ -f "$here/review.yaml" ]; then gen_args+=(--review "$here/review.yaml"); fi
"$syscribe" generate -q "$evidence" -o "$profile" "${gen_args[@]}"

echo
echo "evidence: $out/$evidence"
echo "profile:  $out/$profile"
echo "report:   $out/$report"
python3 - "$evidence" "$profile" <<'EOF'
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
EOF
