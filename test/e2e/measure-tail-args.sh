#!/usr/bin/env bash
# Measures the argument values of the runtime tail's filtered syscalls (prctl, ioctl, fcntl),
# which audit records do not carry: strace follows each runtime and lists the calls the
# container's init makes after its filter load and before the workload's execve (for runc,
# every thread of its Go init process). Same configurations as measure-tails.sh.
#
#   test/e2e/measure-tail-args.sh PROBE   (root; prints "config<TAB>syscall<TAB>value" rows)
set -euo pipefail
probe="$(realpath "$1")"
here="$(cd "$(dirname "$0")" && pwd)"
cache="$("$here/../../scripts/e2e-setup.sh" | tail -n 1)"
rootfs="$cache/rootfs/busybox"
command -v strace >/dev/null || { echo "measure-tail-args: needs strace" >&2; exit 77; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/log-all.json" <<'JSON'
{"defaultAction": "SCMP_ACT_LOG", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], "syscalls": []}
JSON
trace=seccomp,prctl,ioctl,fcntl,execve,clone,clone3

# after_filter CONFIG FILE: the calls of the init group after its filter load.
after_filter() {
  python3 - "$1" "$2" <<'PY'
import re, sys
cfg, path = sys.argv[1], sys.argv[2]
# The init group: crun's child (the first tid that loads a filter) or runc's "runc init" and
# the threads it clones; a filter load is seccomp(SET_MODE_FILTER) or prctl(PR_SET_SECCOMP)
# with a program ({len=...}) that returned 0 (libseccomp probes with NULL first).
group, loaded, out = set(), set(), set()
for line in open(path):
    m = re.match(r'(\d+)\s+(\w+)\((.*)', line)
    if not m:
        continue
    pid, name, rest = m.groups()
    if name == 'execve' and '"init"' in rest:
        group.add(pid)
    elif name in ('clone', 'clone3') and pid in group:
        r = re.search(r'= (\d+)\s*$', rest)
        if r:
            group.add(r.group(1))
    elif name in ('seccomp', 'prctl') and 'len=' in rest and rest.rstrip().endswith('= 0'):
        loaded |= group if pid in group else {pid}
    elif name == 'execve' and pid in loaded:
        loaded -= group if pid in group else {pid}
    elif pid in loaded and name in ('prctl', 'ioctl', 'fcntl'):
        args = [a.strip(') ') for a in re.split(r',\s*', rest.split(')')[0])]
        out.add(f"{cfg}\t{name}\t{args[0] if name == 'prctl' else args[1]}")
for o in sorted(out):
    print(o)
PY
}

for rt in crun runc; do
  for nnp in false true; do
    "$here/bundle.py" "$work/b" "$rootfs" "$work/log-all.json" --bind "$probe:/probe" --nnp "$nnp" -- /probe getpid
    strace -f -qq -o "$work/st" -e trace=$trace "$rt" run -b "$work/b" "tailargs-$rt-$$" > /dev/null
    after_filter "$rt:nnp=$nnp" "$work/st"
  done
  "$here/bundle.py" "$work/b" "$rootfs" "$work/log-all.json" --bind "$probe:/probe" --user 1000:1000 -- /probe getpid
  strace -f -qq -o "$work/st" -e trace=$trace "$rt" run -b "$work/b" "tailargs-$rt-$$" > /dev/null
  after_filter "$rt:user=1000" "$work/st"
  strace -f -qq -o "$work/st" -e trace=$trace podman run --runtime "$rt" --rm --network none \
    --security-opt "seccomp=$work/log-all.json" -v "$probe:/probe:ro" --rootfs "$rootfs" /probe getpid > /dev/null
  after_filter "podman+$rt" "$work/st"
  podman run -d --runtime "$rt" --name "tailargs-exec-$$" --network none --security-opt "seccomp=$work/log-all.json" \
    -v "$probe:/probe:ro" --rootfs "$rootfs" /bin/sleep 60 > /dev/null
  sleep 1
  strace -f -qq -o "$work/st" -e trace=$trace podman exec "tailargs-exec-$$" /probe getpid > /dev/null
  podman rm -f -t 0 "tailargs-exec-$$" > /dev/null
  after_filter "podman-exec+$rt" "$work/st"
done
