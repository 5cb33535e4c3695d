#!/usr/bin/env bash
# Measures the runtime tail: the syscalls runc and crun make themselves after loading the
# container's seccomp filter and before the workload's execve. The filter's default action
# is SCMP_ACT_LOG with no rules, so every call is logged; `syscribe explain` decodes the
# records and every call not made by the workload (/probe) belongs to the runtime. The same
# for `podman exec` into a running container: the runtime's exec path has its own tail.
#
#   test/e2e/measure-tails.sh SYSCRIBE PROBE [RUNS]   (root, auditd running)
# Prints "runtime<TAB>syscall<TAB>note" rows for syscalls-tables/runtime-tails.tsv.
set -euo pipefail
syscribe="$(realpath "$1")"
probe="$(realpath "$2")"
runs="${3:-5}"
here="$(cd "$(dirname "$0")" && pwd)"
cache="$("$here/../../scripts/e2e-setup.sh" | tail -n 1)"
rootfs="$cache/rootfs/busybox"
log=/var/log/audit/audit.log
pidof auditd >/dev/null || { echo "measure-tails: start auditd first (records must not be rate-limited)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/log-all.json" <<'JSON'
{"defaultAction": "SCMP_ACT_LOG", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], "syscalls": []}
JSON

# tail_of CONFIG COMMAND...: runs the command once and appends "CONFIG syscall" lines.
tail_of() {
  local config="$1"
  shift
  local before
  before=$(wc -l < "$log")
  "$@" > /dev/null
  sleep 1
  tail -n +"$((before + 1))" "$log" > "$work/run.log"
  "$syscribe" explain --json -q "$work/run.log" |
    python3 -c 'import json,sys; [print(sys.argv[1], e["syscall"]) for e in json.load(sys.stdin)["events"] if e["exe"] != "/probe"]' "$config" |
    sort -u >> "$work/seen"
}

: > "$work/seen"
for i in $(seq "$runs"); do
  for rt in crun runc; do
    for nnp in false true; do
      "$here/bundle.py" "$work/b" "$rootfs" "$work/log-all.json" --bind "$probe:/probe" --nnp "$nnp" -- /probe getpid
      tail_of "$rt:nnp=$nnp" "$rt" run -b "$work/b" "tails-$rt-$$-$i"
    done
    # A workload user other than root: the runtime switches ids and groups.
    "$here/bundle.py" "$work/b" "$rootfs" "$work/log-all.json" --bind "$probe:/probe" --user 1000:1000 -- /probe getpid
    tail_of "$rt:user=1000" "$rt" run -b "$work/b" "tails-$rt-$$-$i"
  done
  for rt in crun runc; do
    tail_of "podman+$rt" podman run --runtime "$rt" --rm --network none --security-opt "seccomp=$work/log-all.json" \
      -v "$probe:/probe:ro" --rootfs "$rootfs" /probe getpid
  done
done

# `podman exec` (kubectl exec) runs the runtime's exec path under the container's filter:
# its own tail. The container's main process is busybox; the runtime's calls are the rest.
for i in $(seq "$runs"); do
  for rt in crun runc; do
    podman run -d --runtime "$rt" --name "tails-exec-$$" --network none --security-opt "seccomp=$work/log-all.json" \
      -v "$probe:/probe:ro" --rootfs "$rootfs" /bin/sleep 60 > /dev/null
    sleep 1
    before=$(wc -l < "$log")
    podman exec "tails-exec-$$" /probe getpid > /dev/null
    sleep 1
    tail -n +"$((before + 1))" "$log" > "$work/run.log"
    podman rm -f -t 0 "tails-exec-$$" > /dev/null
    "$syscribe" explain --json -q "$work/run.log" |
      python3 -c 'import json,sys; [print(sys.argv[1], e["syscall"]) for e in json.load(sys.stdin)["events"] if e["exe"] not in ("/probe", "/bin/busybox")]' "podman-exec+$rt" |
      sort -u >> "$work/seen"
  done
done

# One row per (runtime, syscall): in which configurations and in how many runs it was seen.
versions="crun $(crun --version | sed -n 's/^crun version //p'), runc $(runc --version | sed -n 's/^runc version //p'), podman $(podman --version | sed 's/podman version //')"
python3 - "$work/seen" "$runs" "$versions" <<'PY'
import collections, sys
seen, runs, versions = sys.argv[1], int(sys.argv[2]), sys.argv[3]
count = collections.Counter()
for line in open(seen):
    config, name = line.split()
    count[(config, name)] += 1
rows = collections.defaultdict(list)
for (config, name), n in sorted(count.items()):
    runtime = config.split(":")[0].split("+")[-1]
    rows[(runtime, name)].append(f"{config} {n}/{runs}")
print(f"# measured with {versions}")
for (runtime, name), where in sorted(rows.items()):
    print(f"{runtime}\t{name}\tmeasured: {', '.join(where)}")
PY
