#!/usr/bin/env bash
# Traffic for the Python service example: the health check, a greeting (which must use
# GREETING, so a run after a reload shows the new configuration took effect), notes
# stored with fsync and counted, and the requests the service must refuse. Exits 1 on the
# first wrong answer, so a recording driven by it fails loudly instead of missing a code path.
#
# Usage: traffic.sh BASE_URL GREETING     e.g. traffic.sh http://127.0.0.1:8090 Hello
set -euo pipefail

base=${1:?usage: traffic.sh BASE_URL GREETING}
greeting=${2:?usage: traffic.sh BASE_URL GREETING}

# shellcheck source=../http-expect.sh
. "$(dirname "$0")/../http-expect.sh"

expect 200 "health check" "$base/healthz"
body=$(curl -sf --max-time 10 "$base/hello?name=reader") || { echo "traffic: GET /hello failed" >&2; exit 1; }
if [ "$body" != "{\"message\": \"$greeting, reader\"}" ]; then
  echo "traffic: greeting: expected '$greeting, reader', got $body" >&2
  exit 1
fi
echo "traffic: greeting: $body"
before=$(curl -sf --max-time 10 "$base/notes" | sed -n 's/.*"notes": \([0-9]*\).*/\1/p')
for i in 1 2; do
  expect 201 "note $i" -X POST --data-binary "note $i from traffic.sh" "$base/notes"
done
after=$(curl -sf --max-time 10 "$base/notes" | sed -n 's/.*"notes": \([0-9]*\).*/\1/p')
if [ -z "$before" ] || [ "$after" != $((before + 2)) ]; then
  echo "traffic: notes: expected $((before + 2)), got '$after'" >&2
  exit 1
fi
echo "traffic: notes: $after"
expect 400 "empty note" -X POST -H 'Content-Length: 0' "$base/notes"
expect 405 "POST on /hello" -X POST --data-binary x "$base/hello"
expect 404 "unknown path" "$base/nothing-here"
