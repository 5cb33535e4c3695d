#!/usr/bin/env bash
# Captures real seccomp audit records from this machine into test/e2e/data/, with the
# probe's own account of each event beside them (NAME.expect), for explain_test.
#
#   test/e2e/capture-audit.sh dmesg    # kernel records as dmesg prints them (no auditd running)
#   test/e2e/capture-audit.sh auditd   # starts auditd if needed; audit.log and `ausearch -i` forms
#
# Needs root, libseccomp-dev, gcc-multilib (the i386 program), and for `auditd` the auditd
# package. The files it writes are test data: rerun it only to refresh them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data="$here/data"
form="${1:-dmesg}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

g++ -std=c++20 -O1 -Wall -Wextra -o "$work/audit_probe" "$here/audit_probe.cpp" -lseccomp
gcc -m32 -static -O1 -Wall -o "$work/audit_probe32" "$here/audit_probe32.c"

# Every action and arch the issue names: LOG, KILL_PROCESS, ERRNO with the log flag;
# x86_64, i386 through int 0x80 from a 64-bit process, and a 32-bit program.
cases=(
  "log call"
  "errno-log call"
  "kill call"
  "log int80"
  "errno-log int80"
  "log exec $work/audit_probe32"
  "kill exec $work/audit_probe32"
)

run_cases() {
  : > "$work/expect"
  for c in "${cases[@]}"; do
    # shellcheck disable=SC2086
    (cd "$work" && ./audit_probe $c >> "$work/expect" 2>/dev/null) || true
  done
  # Records reach the log asynchronously.
  sleep 1
}

case "$form" in
  dmesg)
    if pidof auditd >/dev/null; then
      echo "capture-audit: auditd is running; records go to audit.log, not dmesg" >&2
      exit 1
    fi
    before=$(dmesg | wc -l)
    run_cases
    dmesg | tail -n +"$((before + 1))" > "$data/dmesg.log"
    cp "$work/expect" "$data/dmesg.expect"
    echo "capture-audit: $(grep -c 'type=1326' "$data/dmesg.log") records in $data/dmesg.log"
    ;;
  auditd)
    if ! pidof auditd >/dev/null; then
      auditd
      sleep 1
    fi
    log=/var/log/audit/audit.log
    before=$(wc -l < "$log")
    run_cases
    tail -n +"$((before + 1))" "$log" > "$data/audit.log"
    cp "$work/expect" "$data/audit.expect"
    # The interpreted form of the same records (names instead of numbers).
    for pid in $(sed -n 's/^pid=\([0-9]*\) .*/\1/p' "$work/expect"); do
      ausearch -i -if "$data/audit.log" -m SECCOMP -p "$pid" 2>/dev/null | grep -v '^----' || true
    done > "$data/ausearch-i.log"
    # auparse masks the action with 0x7fff0000, so both kill actions print as "kill".
    sed 's/action=SCMP_ACT_KILL_PROCESS/action=SCMP_ACT_KILL/' "$work/expect" > "$data/ausearch-i.expect"
    echo "capture-audit: $(grep -c 'type=SECCOMP' "$data/audit.log") records in $data/audit.log"
    ;;
  *)
    echo "usage: $0 dmesg|auditd" >&2
    exit 2
    ;;
esac
