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
# shellcheck source=../common.sh
. "$here/../common.sh"
webhook=${WEBHOOK:-$build/examples/webhook/webhook}
need "$webhook" "build first (scripts/setup.sh)"
webhook=$(realpath "$webhook")   # the recording runs from the output directory

example_dirs "${1:-$here/out}"
port=$(free_port)
url="http://127.0.0.1:$port"
token="example-token"
cat > "$run/webhook.json" <<JSON
{
  "listen": "127.0.0.1",
  "port": $port,
  "data": "$run/events.jsonl",
  "token": "$token",
  "pid_file": "$run/webhook.pid"
}
JSON
example_outputs webhook

echo "record.sh: recording $webhook on $url (log: $run/webhook.log)"
# The recorder drives the lifecycle itself: ready -> traffic -> reload -> traffic -> stop.
status=0
"$syscribe" record -q -o "$evidence" --ready "tcp:127.0.0.1:$port" \
    --traffic "$here/traffic.sh $url $token" --reload \
    -- "$webhook" --config "$run/webhook.json" > "$run/webhook.log" || status=$?
if [ "$status" -ne 0 ]; then record_failed "$status" "$run/webhook.log"; fi
if [ -e "$run/webhook.pid" ]; then
  echo "record.sh: the webhook left its pid file behind: its shutdown path did not run" >&2
  exit 1
fi

example_generate "$evidence" "$profile" "$report"
