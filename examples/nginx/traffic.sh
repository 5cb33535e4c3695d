#!/usr/bin/env bash
# Traffic for the nginx example: a static page (sendfile), a HEAD, a conditional GET
# answered 304, a miss (404, logged to the error log), the stub_status counters, and
# two requests on one keep-alive connection. Exits 1 on the first wrong answer, so a
# recording driven by it fails loudly instead of missing a code path.
#
# Usage: traffic.sh BASE_URL        e.g. traffic.sh http://127.0.0.1:8088
set -euo pipefail

base=${1:?usage: traffic.sh BASE_URL}

# shellcheck source=../http-expect.sh
. "$(dirname "$0")/../http-expect.sh"

body=$(curl -sf --max-time 10 "$base/") || { echo "traffic: GET / failed" >&2; exit 1; }
if ! grep -q 'recorded by syscribe' <<<"$body"; then
  echo "traffic: GET / returned an unexpected page: $body" >&2
  exit 1
fi
echo "traffic: index page: 200"
expect 200 "HEAD of the index" -I "$base/index.html"
expect 304 "conditional GET" -z 'Jan 1 00:00:00 2100' "$base/index.html"
expect 404 "missing page" "$base/missing"
status=$(curl -sf --max-time 10 "$base/status") || { echo "traffic: GET /status failed" >&2; exit 1; }
if ! grep -q '^Active connections: [0-9]' <<<"$status"; then
  echo "traffic: /status does not look like stub_status: $status" >&2
  exit 1
fi
echo "traffic: stub_status: 200"
codes=$(curl -s -o /dev/null -o /dev/null -w '%{http_code} ' --max-time 10 "$base/" "$base/index.html")
if [ "$codes" != "200 200 " ]; then
  echo "traffic: two requests on one connection: expected 200 200, got $codes" >&2
  exit 1
fi
echo "traffic: keep-alive pair: 200 200"
