#!/usr/bin/env bash
# Traffic for the webhook example: a health check, valid events, and every kind of
# bad request the service must refuse. Exits 1 on the first wrong answer, so a
# recording driven by it fails loudly instead of missing a code path.
#
# Usage: traffic.sh BASE_URL [TOKEN]      e.g. traffic.sh http://127.0.0.1:8080 change-me
# Prints one line per request; the number of accepted events on the last line.
set -euo pipefail

base=${1:?usage: traffic.sh BASE_URL [TOKEN]}
token=${2:-change-me}
tag=${TRAFFIC_TAG:-$$}   # distinguishes the ids of two runs (before and after a reload)
accepted=0

# shellcheck source=../http-expect.sh
. "$(dirname "$0")/../http-expect.sh"

post() { expect "$1" "$2" -X POST -H 'Content-Type: application/json' -H "Authorization: Bearer $token" \
                 --data-binary "$3" "$base/webhook"; }

expect 200 "health check" "$base/healthz"
for i in 1 2 3; do
  post 202 "valid event $i" "{\"id\":\"evt-$tag-$i\",\"type\":\"push\",\"data\":{\"ref\":\"refs/heads/main\",\"n\":$i}}"
  accepted=$((accepted + 1))
done
post 400 "invalid JSON" '{"id": "evt-broken", "type": '
post 400 "not an object" '[1, 2, 3]'
post 400 "missing field type" "{\"id\":\"evt-$tag-x\",\"data\":{}}"
post 400 "data not an object" "{\"id\":\"evt-$tag-y\",\"type\":\"push\",\"data\":\"text\"}"
expect 401 "wrong token" -X POST -H 'Authorization: Bearer wrong' --data-binary '{}' "$base/webhook"
expect 405 "GET on /webhook" "$base/webhook"
expect 404 "unknown path" "$base/nothing-here"
expect 200 "health check again" "$base/healthz"
echo "traffic: accepted $accepted"
