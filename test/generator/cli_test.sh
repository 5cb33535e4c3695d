#!/bin/bash
# The generator's subcommands end to end: exit codes, one-line errors naming the file and
# position, and nothing written on failure; and a recorded workload runs under the profile
# generated from it.
# Usage: cli_test.sh SYSCRIBE LOAD_AND_EXEC [record-run|systemd] (run in test/generator).
# Without a mode: the offline checks. record-run: record -> generate -> run, which needs
# ptrace and unprivileged user namespaces; it exits 77 (meson: skipped) where they are missing.
# systemd: systemd-analyze verify reads every systemd drop-in as systemd would (77 without it).
set -u
S=$1
L=${2:-}
MODE=${3:-offline}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
# shellcheck source=expect.sh
. "$(dirname "$0")/expect.sh"

if [ "$MODE" = record-run ]; then
  # unshare --help runs the binary's startup, so only the unshare(2) call itself is new later.
  if [ -z "$L" ] || [ ! -x "$L" ]; then
    echo "SKIP: no load_and_exec program given"; exit 77
  fi
  if ! unshare -U true 2>/dev/null; then
    echo "SKIP: unshare -U (an unprivileged user namespace) does not work here"; exit 77
  fi
  if ! $S record -q -o "$T/rec.json" -- /bin/sh -c 'ls / >/dev/null; unshare --help >/dev/null' 2>"$T/rec.err"; then
    echo "SKIP: syscribe record is not usable here (ptrace): $(head -c 300 "$T/rec.err")"; exit 77
  fi
  expect 0 'syscalls allowed' $S generate "$T/rec.json" -o "$T/rec-profile.json"
  expect 0 '^ran$' $L "$T/rec-profile.json" /bin/sh -c 'ls / >/dev/null && echo ran'
  expect 1 'unshare failed: Operation not permitted' $L "$T/rec-profile.json" /usr/bin/unshare -U true
  exit $fail
fi

if [ "$MODE" = systemd ]; then
  command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze (package systemd)"; exit 77; }
  # verify loads the unit with its drop-ins and prints a line for each setting systemd would
  # ignore (an unknown syscall, arch or namespace type) while still exiting 0: the check is
  # that it prints nothing.
  U=$T/units
  mkdir -p "$U/app.service.d"
  printf '[Unit]\nDescription=syscribe systemd output test\n[Service]\nExecStart=/bin/true\n' >"$U/app.service"
  verify() {
    SYSTEMD_UNIT_PATH=$U: systemd-analyze verify --man=no "$U/app.service" 2>&1
  }
  # The check can fail: a setting systemd ignores is reported.
  printf '[Service]\nSystemCallFilter=read no_such_call\nRestrictNamespaces=no_such_type\n' >"$U/app.service.d/seccomp.conf"
  out=$(verify)
  grep -q 'no_such_call' <<<"$out" && grep -q 'no_such_type' <<<"$out" ||
    { echo "FAIL: systemd-analyze verify did not report ignored settings: $out"; fail=1; }
  check() {  # check NAME GENERATE-ARGS...: the drop-in generate writes is read without a complaint
    local name=$1
    shift
    if ! $S generate "$@" -f systemd -q -o "$U/app.service.d/seccomp.conf"; then
      echo "FAIL: $name: generate failed"; fail=1; return
    fi
    out=$(verify)
    [ -z "$out" ] || { echo "FAIL: $name: systemd-analyze verify: $out"; fail=1; }
    # clone3 is in the filter and gets ENOSYS from RestrictNamespaces= (glibc falls back to
    # clone), unless every namespace type is allowed, which the drop-in then says.
    grep -Eq '^SystemCallFilter=.* clone3( |$)' "$U/app.service.d/seccomp.conf" ||
      { echo "FAIL: $name: clone3 is not in SystemCallFilter="; fail=1; }
    grep -Eq '^RestrictNamespaces=|^# clone3: every namespace type is allowed' "$U/app.service.d/seccomp.conf" ||
      { echo "FAIL: $name: no RestrictNamespaces= for clone3"; fail=1; }
  }
  check webapp data/webapp.evidence.json
  check every-arch data/webapp.evidence.json --arch aarch64,i386,x32,armhf,riscv64,ppc64le,s390x
  check crun-tail data/webapp.evidence.json --runtime crun
  check merged data/webapp.evidence.json data/replica-b.evidence.json --runtime runc
  check reviewed ../review/data/risky.evidence.json --review ../review/data/decisions.yaml
  grep -qx 'RestrictNamespaces=uts' "$U/app.service.d/seccomp.conf" ||
    { echo "FAIL: reviewed: the allowed unshare(CLONE_NEWUTS) should give RestrictNamespaces=uts"; fail=1; }
  exit $fail
fi

# Bad input: clear one-line errors, exit 1 or 2, nothing written.
expect 1 '^syscribe generate: data/malformed.evidence.json:3:18: invalid JSON' $S generate data/malformed.evidence.json -o "$T/a.json"
nothing_written "$T/a.json"
# A directory where a file belongs: named as such, not as empty or malformed JSON.
expect 1 '^syscribe generate: data: is a directory$' $S generate data -o "$T/a.json"
nothing_written "$T/a.json"
expect 1 '^syscribe merge: data: is a directory$' $S merge data/webapp.evidence.json data -o "$T/a.json"
nothing_written "$T/a.json"
expect 1 'data/bad-version.evidence.json: \$\.version: unsupported evidence version 99' $S generate data/bad-version.evidence.json -o "$T/a.json"
nothing_written "$T/a.json"
expect 1 'data/unknown-syscall.evidence.json: \$\.processes\[0\]\.phases\.startup\.x86_64\.frobnicate: unknown syscall "frobnicate"' $S generate data/unknown-syscall.evidence.json -o "$T/a.json"
expect 1 'data/unknown-arch.evidence.json: \$\.processes\[0\]\.phases\.startup\.sparc: unknown architecture "sparc"' $S merge data/unknown-arch.evidence.json -o "$T/a.json"
nothing_written "$T/a.json"
expect 2 "unknown architecture 'sparc'" $S generate data/webapp.evidence.json --arch sparc -o "$T/a.json"
expect 2 "unknown format 'yaml'" $S generate data/webapp.evidence.json --format yaml -o "$T/a.json"
expect 2 "unknown default action 'deny'" $S generate data/webapp.evidence.json --default-action deny -o "$T/a.json"
expect 2 "unknown errno 'EWHATEVER'" $S generate data/webapp.evidence.json --errno EWHATEVER -o "$T/a.json"
expect 2 "no phase 'reload'" $S generate data/webapp.evidence.json --phases reload -o "$T/a.json"
nothing_written "$T/a.json"
expect 1 'merging the same run twice' $S merge data/webapp.evidence.json data/webapp.evidence.json -o "$T/m.json"
nothing_written "$T/m.json"
expect 2 'give the output file with -o OUT' $S merge data/webapp.evidence.json

# Generate, then lint and diff what was written.
expect 0 'syscalls allowed' $S generate data/webapp.evidence.json data/replica-b.evidence.json --arch aarch64 -o "$T/p.json"
expect 0 ': ok$' $S lint "$T/p.json"
expect 0 '^$' $S merge data/webapp.evidence.json data/replica-b.evidence.json -o "$T/m.json"
grep -q '"reload"' "$T/m.json" || { echo "FAIL: merged evidence lacks the reload phase"; fail=1; }
expect 0 'syscalls allowed' $S generate "$T/m.json" --arch aarch64 -o "$T/p2.json"
expect 0 '^$' $S diff "$T/p.json" "$T/p2.json"
expect 1 '^\+ getrandom' $S diff data/webapp.evidence.json data/replica-b.evidence.json
expect 1 '~ socket domain: \+AF_INET6 -AF_INET' $S diff data/webapp.evidence.json data/replica-b.evidence.json
expect 1 '~ clone: \+\[SCMP_ACT_ALLOW\] -\[SCMP_ACT_ALLOW if arg0&0x7e020000==0x0\]' $S diff golden/webapp.oci.json golden/webapp-noargs.oci.json
expect 2 'compare two profiles or two evidence files' $S diff golden/webapp.oci.json data/webapp.evidence.json
expect 2 'data/nope.json' $S diff golden/webapp.oci.json data/nope.json

# Lint: findings by JSON path, exit 1; malformed JSON with line and column.
expect 1 '\$\.architectures\[1\]: compat arch SCMP_ARCH_X86 listed' $S lint golden/compat.oci.json
expect 1 'high-risk unshare allowed; an OCI profile has no field for the reason' $S lint golden/compat.oci.json
expect 1 'data/lint-bad.json: \$\.syscalls\[0\]\.names\[1\]: unknown syscall "nosuchcall": runc ignores it silently' $S lint data/lint-bad.json
expect 1 '\$\.syscalls\[1\]\.action: action SCMP_ACT_ERRNO\(EPERM\) equals the default' $S lint data/lint-bad.json
expect 1 'no clone3 rule' $S lint data/lint-bad.json
expect 1 'open does not exist on aarch64 and its equivalent \(openat\) is not allowed' $S lint data/lint-bad.json
expect 1 'duplicate: read already has an unconditional rule' $S lint data/lint-bad.json
expect 1 'runc then ORs every condition' $S lint data/lint-bad.json
expect 1 '^syscribe lint: data/malformed.evidence.json:3:18: invalid JSON' $S lint data/malformed.evidence.json

$S generate data/webapp.evidence.json --arch s390x -q -o "$T/s390.json"
expect 1 's390x is listed beside little-endian arches' $S lint "$T/s390.json"
expect 0 'webapp-serving.spo.yaml: ok' $S lint golden/webapp-serving.spo.yaml
expect 1 '^- fcntl' $S diff golden/webapp.oci.json golden/webapp-serving.spo.yaml

# The summary counts the profile's rules (one per argument tuple) and gives each arch's size.
out=$($S generate data/webapp.evidence.json --arch aarch64 -o "$T/sum.json" 2>&1)
rules=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["syscalls"]))' "$T/sum.json")
grep -q ", $rules rules in all;" <<<"$out" || { echo "FAIL: summary does not count the $rules rules: $out"; fail=1; }
grep -Eq '^  size: BPF instructions [0-9]+ on x86_64, [0-9]+ on aarch64 ' <<<"$out" ||
  { echo "FAIL: summary gives no BPF size per arch: $out"; fail=1; }

# Every output format compiles and is written.
for f in oci docker spo systemd bpf pfc; do
  expect 0 "\($f\)" $S generate data/webapp.evidence.json -f $f -o "$T/out.$f"
  [ -s "$T/out.$f" ] || { echo "FAIL: $f output empty"; fail=1; }
done
# Record -> generate -> run under the profile is the generator-record-run test (record-run).
exit $fail
