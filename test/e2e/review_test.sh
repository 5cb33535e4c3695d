#!/usr/bin/env bash
# Review decisions end to end, in a real runtime: a program recorded on the host makes
# clone(CLONE_NEWUTS), socket(AF_NETLINK), mount and umount2. generate refuses it until a
# decisions file covers them: the clone is allowed for its flags and, as the reviewer knows
# production needs, for CLONE_NEWNET too (never recorded); mount and umount2 are denied. The
# profile generated with the decisions then runs the same program in podman: the observed
# and the decided clone and the observed netlink socket work, while mount (denied) and a clone
# with a flag neither recorded nor decided (CLONE_NEWIPC) get EPERM. A control run without
# the profile (same capabilities) must succeed at all of them, so every EPERM is the profile's.
#
#   review_test.sh SYSCRIBE PROBE podman|podman-runc
# Exit 77 (skip) with a message when podman cannot run containers here.
set -uo pipefail
syscribe="$(realpath "$1")"
probe="$(realpath "$2")"
runtime="$3"
here="$(cd "$(dirname "$0")" && pwd)"
src="$(cd "$here/../.." && pwd)"
label="review-$runtime"
# shellcheck source=lib.sh
. "$here/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root (the recorded program makes namespaces and mounts)"
command -v podman >/dev/null || skip "podman is not installed"
rt=()
target="$(podman info --format '{{.Host.OCIRuntime.Name}}' 2>/dev/null)"
if [ "$runtime" = podman-runc ]; then
  command -v runc >/dev/null || skip "runc is not installed"
  rt=(--runtime runc)
  target=runc
fi
case "$target" in
  crun|runc) ;;
  *) skip "podman's OCI runtime is '${target:-unknown}', not crun or runc" ;;
esac
cache="$("$src/scripts/e2e-setup.sh" | tail -n 1)"
rc=$?
[ "$rc" = 77 ] && skip "scripts/e2e-setup.sh cannot prepare the runtimes here"
[ "$rc" = 0 ] || die "scripts/e2e-setup.sh exited $rc"
rootfs="$cache/rootfs/busybox"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# in_podman PROFILE|none PROBE...: the probe's answers inside a container.
in_podman() {
  local sec=(--security-opt seccomp=unconfined)
  [ "$1" != none ] && sec=(--security-opt "seccomp=$1")
  shift
  podman run "${rt[@]}" --rm --network none --cap-add SYS_ADMIN "${sec[@]}" \
    -v "$probe:/probe:ro" --rootfs "$rootfs" /probe "$@" 2>&1
}

out="$("$syscribe" record -q -o "$work/app.evidence.json" -- "$probe" getpid clone-ns netlink mount 2>&1)"
expect_lines "$out" "recorded on the host:" "clone-ns ok" "netlink ok" "mount ok"

# Without decisions: refused (exit 3), naming both high-risk syscalls.
out="$("$syscribe" generate "$work/app.evidence.json" --runtime "$target" -o "$work/refused.json" 2>&1)"
rc=$?
[ "$rc" = 3 ] || { echo "FAIL $label: generate without decisions exited $rc, want 3: $out" >&2; fail=1; }
grep -q 'clone (high: observed with flags CLONE_NEWUTS' <<<"$out" && grep -q 'mount (critical' <<<"$out" ||
  { echo "FAIL $label: the refusal should name clone (CLONE_NEWUTS) and mount: $out" >&2; fail=1; }
[ -e "$work/refused.json" ] && { echo "FAIL $label: a refused generate wrote its profile" >&2; fail=1; }

cat >"$work/review.yaml" <<'EOF'
decisions:
  - syscall: clone
    decision: allow
    reason: the sandboxed helper gets its own hostname, and in production its own network
    args: {flags: [CLONE_NEWUTS|SIGCHLD, CLONE_NEWNET|SIGCHLD]}   # as review init writes values
    by: e2e
  - syscall: mount
    decision: deny
    reason: the volume comes from the pod spec
    by: e2e
  - syscall: umount2
    decision: deny
    reason: nothing is mounted
    by: e2e
EOF
out="$("$syscribe" review check "$work/app.evidence.json" --review "$work/review.yaml" --runtime "$target" 2>&1)" ||
  { echo "FAIL $label: review check: $out" >&2; fail=1; }
out="$("$syscribe" generate "$work/app.evidence.json" --review "$work/review.yaml" --runtime "$target" \
  --report "$work/app.report.md" -o "$work/app.json" 2>&1)" || die "generate with the decisions failed: $out"
grep -q 'allows flags CLONE_NEWNET|SIGCHLD, never observed' <<<"$out" ||
  { echo "FAIL $label: generate should warn that the decision allows an unobserved value: $out" >&2; fail=1; }
"$syscribe" lint --review "$work/review.yaml" "$work/app.json" >"$work/lint.out" 2>&1 ||
  { echo "FAIL $label: lint --review of the generated profile:" >&2; cat "$work/lint.out" >&2; fail=1; }
grep -q 'removed (denied)' "$work/app.report.md" ||
  { echo "FAIL $label: the report does not show mount as removed (denied)" >&2; fail=1; }

if ! out="$(in_podman none getpid)" || [ "$out" != "getpid ok" ]; then
  skip "cannot run a container here: $(tail -n 3 <<<"$out" | tr '\n' ' ')"
fi
control="$(in_podman none clone-ns clone-net clone-ipc netlink mount)"
expect_lines "$control" "without a profile:" "clone-ns ok" "clone-net ok" "clone-ipc ok" "netlink ok" "mount ok"
confined="$(in_podman "$work/app.json" getpid clone-ns clone-net clone-ipc netlink mount)"
expect_lines "$confined" "under the reviewed profile:" "getpid ok" "clone-ns ok" "clone-net ok" "clone-ipc EPERM" \
  "netlink ok" "mount EPERM"

[ "$fail" = 0 ] && echo "$label: the recorded and the decided clone run; an undecided namespace flag and the denied mount get EPERM"
exit "$fail"
