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
# shellcheck source=../common.sh
. "$here/../common.sh"
nginx=${NGINX:-/usr/sbin/nginx}
out=${1:-$here/out}

need "$nginx" "install it: apt-get install nginx-light"

example_dirs "$out"
mkdir -p "$run/html"
port=$(free_port)
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

example_outputs nginx

traffic="$(printf '%q %q >> %q 2>&1' "$here/traffic.sh" "$url" "$run/traffic.log")"
echo "record.sh: recording $nginx on $url (logs: $run/nginx.log, $run/traffic.log)"
# Ready when the master says it started a worker: at startup and again after the reload
# (a TCP check would pass at once after SIGHUP, since the listening socket stays open).
status=0
"$syscribe" record -q -o "$evidence" \
    --ready 'log:start worker process [0-9]+' \
    --traffic "$traffic" --reload --stop-signal QUIT \
    -- "$nginx" -p "$run/" -e stderr -c nginx.conf > "$run/nginx.log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then record_failed "$status" "$run/nginx.log" "$run/traffic.log"; fi
if [ -e "$run/nginx.pid" ]; then
  echo "record.sh: nginx left its pid file behind: its shutdown path did not run" >&2
  exit 1
fi

example_generate "$evidence" "$profile" "$report"
