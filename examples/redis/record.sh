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
# shellcheck source=../common.sh
. "$here/../common.sh"
redis=${REDIS_SERVER:-/usr/bin/redis-server}
out=${1:-$here/out}

need "$redis" "install it: apt-get install redis-server"
need redis-cli "install it: apt-get install redis-tools"

example_dirs "$out"   # no dump.rdb from an earlier run: startup then loads nothing
port=$(free_port)

example_outputs redis

traffic="$(printf '%q %q >> %q 2>&1' "$here/traffic.sh" "$port" "$run/traffic.log")"
echo "record.sh: recording $redis on 127.0.0.1:$port (logs: $run/redis.log, $run/traffic.log)"
status=0
"$syscribe" record -q -o "$evidence" \
    --ready "tcp:127.0.0.1:$port" --traffic "$traffic" \
    -- "$redis" "$here/redis.conf" --port "$port" --dir "$run" --pidfile "$run/redis.pid" \
    > "$run/redis.log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then record_failed "$status" "$run/redis.log" "$run/traffic.log"; fi
if [ ! -s "$run/dump.rdb" ]; then
  echo "record.sh: no $run/dump.rdb: the background save did not happen" >&2
  exit 1
fi
if [ -e "$run/redis.pid" ]; then
  echo "record.sh: redis left its pid file behind: its shutdown path did not run" >&2
  exit 1
fi

example_generate "$evidence" "$profile" "$report"
