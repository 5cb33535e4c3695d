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
# shellcheck source=../common.sh
. "$here/../common.sh"
python=${PYTHON:-/usr/bin/python3}
out=${1:-$here/out}

need "$python" "install it: apt-get install python3"

example_dirs "$out"
port=$(free_port)
url="http://127.0.0.1:$port"
# The work copy of service.json: its own port; notes and pid file land beside it.
sed "s/\"port\": 8090/\"port\": $port/" "$here/service.json" > "$run/service.json"
grep -q "\"port\": $port" "$run/service.json" || { echo "record.sh: no '\"port\": 8090' in $here/service.json" >&2; exit 1; }

example_outputs python-service

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
if [ "$status" -ne 0 ]; then record_failed "$status" "$run/service.log" "$run/traffic.log"; fi
if [ -e "$run/service.pid" ] || ! grep -qx stopped "$run/service.log"; then
  echo "record.sh: the service did not stop cleanly (see $run/service.log)" >&2
  exit 1
fi

example_generate "$evidence" "$profile" "$report"
