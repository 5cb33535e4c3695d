#!/usr/bin/env bash
# A real container runtime loads a hand-written profile that denies unshare and mount
# and allows the rest; the probe inside must get EPERM for exactly those. A control run
# without the profile (same capabilities) must succeed at both, so the EPERM is the
# profile's and not a missing capability's.
#
#   runtime_test.sh podman|podman-runc|crun|runc PROBE_EXE
# Exit 77 (skip) with a message when the runtime cannot run containers on this machine.
set -euo pipefail
runtime="$1"
probe="$(realpath "$2")"
here="$(cd "$(dirname "$0")" && pwd)"
src="$(cd "$here/../.." && pwd)"
profile="$here/data/deny-unshare-mount.json"

skip() { echo "SKIP $runtime: $*" >&2; exit 77; }

set +e
cache="$("$src/scripts/e2e-setup.sh" | tail -n 1)"
rc=$?
set -e
[ "$rc" = 77 ] && skip "scripts/e2e-setup.sh cannot prepare the runtimes here"
[ "$rc" = 0 ] || { echo "FAIL: scripts/e2e-setup.sh exited $rc" >&2; exit 1; }
rootfs="$cache/rootfs/busybox"
work="$(mktemp -d)"
name="syscribe-e2e-$runtime-$$"
trap 'rm -rf "$work"' EXIT

# run PROFILE|none ARGS...: the probe inside the container, its output on stdout.
run() {
  local prof="$1"
  shift
  case "$runtime" in
    podman|podman-runc)
      local rt=()
      [ "$runtime" = podman-runc ] && rt=(--runtime runc)
      local sec=(--security-opt seccomp=unconfined)
      [ "$prof" != none ] && sec=(--security-opt "seccomp=$prof")
      podman run "${rt[@]}" --rm --network none --cap-add SYS_ADMIN "${sec[@]}" \
        -v "$probe:/probe:ro" --rootfs "$rootfs" "$@"
      ;;
    crun|runc)
      "$here/bundle.py" "$work/bundle" "$rootfs" "$prof" --bind "$probe:/probe" --cap CAP_SYS_ADMIN -- "$@"
      "$runtime" run -b "$work/bundle" "$name"
      ;;
  esac
}

case "$runtime" in
  podman|podman-runc) command -v podman >/dev/null || skip "podman is not installed" ;;
  crun|runc) command -v "$runtime" >/dev/null || skip "$runtime is not installed" ;;
  *) echo "usage: $0 podman|podman-runc|crun|runc PROBE" >&2; exit 2 ;;
esac
[ "$runtime" = podman-runc ] && { command -v runc >/dev/null || skip "runc is not installed"; }

if ! out="$(run none /probe getpid 2>&1)" || [ "$out" != "getpid ok" ]; then
  skip "cannot run a container here: $(echo "$out" | tail -n 3 | tr '\n' ' ')"
fi

fail=0
expect() {  # expect WHAT OUTPUT LINE...
  local what="$1" out="$2"
  shift 2
  for want in "$@"; do
    if ! grep -qx "$want" <<<"$out"; then
      echo "FAIL $runtime $what: expected '$want', got:" >&2
      sed 's/^/  /' <<<"$out" >&2
      fail=1
    fi
  done
}

control="$(run none /probe unshare mount 2>&1)"
expect "without a profile" "$control" "unshare ok" "mount ok"
confined="$(run "$profile" /probe getpid unshare mount netlink 2>&1)"
expect "under deny-unshare-mount.json" "$confined" "getpid ok" "unshare EPERM" "mount EPERM" "netlink ok"

[ "$fail" = 0 ] && echo "$runtime: unshare and mount denied with EPERM by the profile; the rest allowed"
exit "$fail"
