#!/usr/bin/env bash
# Issue 7's end-to-end proof for the project's own example: record examples/webhook outside
# any container through its whole lifecycle (syscribe record --ready --traffic --reload),
# generate a profile for the runtime podman uses, run the same binary in rootful podman
# under that profile with the same traffic, and assert that the traffic, a reload (SIGHUP,
# "configuration reloaded") and a graceful stop (podman stop: SIGTERM, exit status 0,
# "stopped", the pid file on the bind mount removed) succeed, and that what the webhook never
# did (unshare, mount, ptrace, socket(AF_NETLINK), clone with namespace flags) gets EPERM.
# The container gets CAP_SYS_ADMIN and CAP_SYS_PTRACE and a control run without the profile
# must succeed at all five probes, so every EPERM is the profile's.
#
# The profile is tight, too: the same container under a profile generated from the startup
# phase alone listens but fails the traffic (at the latest, fdatasync of the events file,
# which only serving does, gets EPERM).
#
#   webhook_test.sh SYSCRIBE WEBHOOK PROBE
# Exit 77 (skip) with a message when podman cannot run containers here.
set -uo pipefail
syscribe="$(realpath "$1")"
webhook="$(realpath "$2")"
probe="$(realpath "$3")"
here="$(cd "$(dirname "$0")" && pwd)"
src="$(cd "$here/../.." && pwd)"
traffic_sh="$src/examples/webhook/traffic.sh"
label=webhook
# shellcheck source=lib.sh
. "$here/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root (rootful podman)"
command -v curl >/dev/null || skip "curl is not installed (traffic.sh needs it; scripts/setup.sh installs it)"
rootfs="$("$src/scripts/e2e-setup.sh" --webhook "$webhook" "$probe" | tail -n 1)"
rc=$?
[ "$rc" = 77 ] && skip "scripts/e2e-setup.sh cannot prepare the runtimes here"
[ "$rc" = 0 ] && [ -x "$rootfs/usr/bin/webhook" ] || die "scripts/e2e-setup.sh --webhook exited $rc"
command -v podman >/dev/null || skip "podman is not installed"
# Generate for the runtime podman really uses (crun here; its tail differs from runc's).
runtime="$(podman info --format '{{.Host.OCIRuntime.Name}}' 2>/dev/null)"
case "$runtime" in
  crun|runc) ;;
  *) skip "podman's OCI runtime is '${runtime:-unknown}', not crun or runc" ;;
esac

work="$(mktemp -d /tmp/syscribe-e2e-webhook.XXXXXX)"
chmod 755 "$work"
name="syscribe-e2e-webhook-$$"
cleanup() {
  # One at a time: given a name that is already gone, podman 4.3 removes neither.
  podman rm -f "$name" >/dev/null 2>&1
  podman rm -f "$name-startup" >/dev/null 2>&1
  # The runtime made a mount point for the bind mount inside the shared rootfs.
  rmdir "$rootfs$work" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

port="$(free_port)"
url="http://127.0.0.1:$port"
token="e2e-token"
pid_file="$work/webhook.pid"
# The same absolute paths outside and (bind-mounted) inside the container.
cat > "$work/webhook.json" <<EOF
{
  "listen": "127.0.0.1",
  "port": $port,
  "data": "$work/events.jsonl",
  "token": "$token",
  "pid_file": "$pid_file"
}
EOF

logs() { podman logs "$1" 2>&1; }
wait_log() {  # wait_log CONTAINER TEXT: up to 10 s for a log line holding TEXT
  for _ in $(seq 100); do
    logs "$1" | grep -qF "$2" && return 0
    sleep 0.1
  done
  return 1
}
traffic() { TRAFFIC_TAG="$1" "$traffic_sh" "$url" "$token" > "$work/traffic-$1.log" 2>&1; }
start() {  # start NAME PROFILE: the webhook in podman under PROFILE, detached
  podman run -d --name "$1" --network host --cap-add SYS_ADMIN --cap-add SYS_PTRACE \
    --security-opt "seccomp=$2" -v "$work:$work" --rootfs "$rootfs" \
    /usr/bin/webhook --config "$work/webhook.json" > /dev/null
}

# Control, and whether podman can run a container here at all: the probes without a
# profile, with the capabilities the webhook's container gets, succeed.
control="$(timeout 60 podman run --rm --network none --cap-add SYS_ADMIN --cap-add SYS_PTRACE \
  --security-opt seccomp=unconfined --rootfs "$rootfs" /probe getpid unshare mount ptrace netlink clone-ns 2>&1)"
grep -qx "getpid ok" <<<"$control" || skip "podman cannot run a container here: $(tail -n 3 <<<"$control" | tr '\n' ' ')"
expect_lines "$control" "the control run without a profile" "unshare ok" "mount ok" "ptrace ok" "netlink ok" "clone-ns ok"
[ "$fail" = 0 ] || exit 1

# 1. Record outside any container; syscribe drives the lifecycle: ready, traffic, SIGHUP,
# traffic again, SIGTERM.
"$syscribe" record -q -o "$work/webhook.evidence.json" --ready "tcp:127.0.0.1:$port" \
  --traffic "$traffic_sh $url $token" --reload \
  -- "$webhook" --config "$work/webhook.json" > "$work/record.log" 2>&1 ||
  die "syscribe record exited $?: $(tail -n 5 "$work/record.log")"
grep -qF "configuration reloaded" "$work/record.log" || die "no reload while recording: $(tail -n 5 "$work/record.log")"
[ -e "$pid_file" ] && die "the recorded webhook left its pid file behind"
# The probe's own harmless baseline (its start, write, exit): it runs beside the webhook.
"$syscribe" record -q -o "$work/probe.evidence.json" -- "$probe" getpid > /dev/null || die "recording the probe failed"

# 2. Generate: the whole lifecycle, and startup alone.
"$syscribe" generate -q "$work/webhook.evidence.json" "$work/probe.evidence.json" --runtime "$runtime" \
  -o "$work/profile.json" || die "syscribe generate failed"
"$syscribe" generate -q "$work/webhook.evidence.json" --phases startup --runtime "$runtime" \
  -o "$work/startup.json" || die "syscribe generate --phases startup failed"
allows() {  # allows PROFILE SYSCALL: an unconditional allow rule names it
  python3 -c 'import json, sys
p = json.load(open(sys.argv[1]))
sys.exit(0 if any(sys.argv[2] in r["names"] and r["action"] == "SCMP_ACT_ALLOW" and not r.get("args")
                  for r in p.get("syscalls", [])) else 1)' "$1" "$2"
}
allows "$work/profile.json" fdatasync || die "the lifecycle profile does not allow fdatasync (accepted events sync it)"
allows "$work/startup.json" fdatasync && die "the startup profile allows fdatasync: the tightness check below proves nothing"

# 3. The same binary in the container under the profile, with the same traffic.
start "$name" "$work/profile.json" || die "podman could not start the webhook: $(logs "$name" | tail -n 5)"
wait_port 20 || die "did not listen in the container: $(logs "$name" | tail -n 5)"
traffic serving || die "traffic failed in the container: $(tail -n 3 "$work/traffic-serving.log"); $(logs "$name" | tail -n 3)"
podman kill --signal HUP "$name" > /dev/null || die "podman kill --signal HUP failed"
wait_log "$name" "configuration reloaded" || die "no 'configuration reloaded' within 10 s of SIGHUP: $(logs "$name" | tail -n 3)"
traffic reloaded || die "traffic after the reload failed: $(tail -n 3 "$work/traffic-reloaded.log"); $(logs "$name" | tail -n 3)"
stored="$(grep -cE '"evt-(serving|reloaded)-' "$work/events.jsonl")"
[ "$stored" = 6 ] || { echo "FAIL webhook: expected 6 events stored from the container, found $stored" >&2; fail=1; }

# 4. What the webhook never did is refused, with EPERM.
out="$(timeout 60 podman exec "$name" /probe getpid unshare mount ptrace netlink clone-ns 2>&1)"
expect_lines "$out" "the probe" "getpid ok" "unshare EPERM" "mount EPERM" "ptrace EPERM" "netlink EPERM" "clone-ns EPERM"

# 5. Graceful stop under the profile: SIGTERM, exit status 0, "stopped", pid file removed.
[ -s "$pid_file" ] || { echo "FAIL webhook: no pid file in the container" >&2; fail=1; }
timeout 30 podman stop -t 10 "$name" > /dev/null || die "podman stop failed"
status="$(podman inspect --format '{{.State.ExitCode}}' "$name")"
[ "$status" = 0 ] || { echo "FAIL webhook: exit status $status after podman stop: $(logs "$name" | tail -n 3)" >&2; fail=1; }
logs "$name" | grep -F '"stopped"' | grep -qF '"Terminated"' ||
  { echo "FAIL webhook: no 'stopped' line for SIGTERM: $(logs "$name" | tail -n 3)" >&2; fail=1; }
[ -e "$pid_file" ] && { echo "FAIL webhook: the pid file survived the graceful stop" >&2; fail=1; }

# 6. Tight: under the startup-only profile the webhook starts and listens, but the traffic
# fails. How depends on the phase the recording put the accept of the readiness probe's
# connection in (the probe and the tracer race; it is usually serving): without accept4,
# recvfrom and sendto nothing is answered and no event stored; with them the health check
# passes and the first event gets HTTP 500, fdatasync's EPERM logged.
start "$name-startup" "$work/startup.json" || die "podman could not start the webhook under the startup profile: $(logs "$name-startup" | tail -n 5)"
wait_port 20 || die "did not listen under the startup profile: $(logs "$name-startup" | tail -n 5)"
answers=1
for call in accept4 recvfrom sendto; do allows "$work/startup.json" "$call" || answers=0; done
# timeout: unanswered, each curl would wait its 10 s.
if TRAFFIC_TAG=startup timeout 4 "$traffic_sh" "$url" "$token" > "$work/traffic-startup.log" 2>&1; then
  echo "FAIL webhook: traffic succeeded under the startup-only profile" >&2
  fail=1
elif [ "$answers" = 1 ]; then
  grep -qF "valid event 1: expected HTTP 202, got 500" "$work/traffic-startup.log" ||
    { echo "FAIL webhook: under the startup profile expected HTTP 500 for the first event, got: $(tail -n 2 "$work/traffic-startup.log")" >&2; fail=1; }
  logs "$name-startup" | grep -F "cannot append to events file" | grep -qF "Operation not permitted" ||
    { echo "FAIL webhook: no EPERM logged for the events file under the startup profile: $(logs "$name-startup" | tail -n 3)" >&2; fail=1; }
else
  grep -q "health check: 200" "$work/traffic-startup.log" &&
    { echo "FAIL webhook: the startup profile has no accept4, yet the health check was answered" >&2; fail=1; }
  logs "$name-startup" | grep -qF '"msg":"request"' &&
    { echo "FAIL webhook: the startup profile has no accept4, yet a request was served: $(logs "$name-startup" | tail -n 2)" >&2; fail=1; }
  grep -qF '"evt-startup-' "$work/events.jsonl" &&
    { echo "FAIL webhook: an event was stored under the startup-only profile" >&2; fail=1; }
fi
podman rm -f -t 0 "$name-startup" > /dev/null 2>&1

[ "$fail" = 0 ] && echo "webhook in podman ($runtime): traffic, reload and graceful stop work under the generated profile; probes get EPERM; a startup-only profile fails the traffic"
exit "$fail"
