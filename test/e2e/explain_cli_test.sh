#!/usr/bin/env bash
# `syscribe explain` as an operator runs it: exit statuses, messages naming FILE:LINE,
# --evidence, --json and --profile verdicts on the captured records.
#   explain_cli_test.sh SYSCRIBE
set -uo pipefail
syscribe="$1"
data="$(cd "$(dirname "$0")" && pwd)/data"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail=0
check() {  # check DESCRIPTION COMMAND...: the command must succeed
  if ! "${@:2}"; then echo "FAIL: $1" >&2; fail=1; fi
}

# Every probe pid of the capture appears in --events with its arch and syscall.
"$syscribe" explain -q --events "$data/dmesg.log" > "$work/events" 2> "$work/err"
check "explain dmesg.log exits 0" test $? = 0
while read -r line; do
  pid="${line#pid=}"; pid="${pid%% *}"
  arch="$(sed 's/.*arch=\([^ ]*\).*/\1/' <<<"$line")"
  check "pid $pid decoded as $arch getppid" grep -q "pid $pid .* $arch getppid(" "$work/events"
done < "$data/dmesg.expect"

# Non-audit lines are skipped with one warning naming the file.
printf 'hello\n' | cat - "$data/audit.log" > "$work/mixed.log"
"$syscribe" explain "$work/mixed.log" > /dev/null 2> "$work/err"
check "mixed input exits 0" test $? = 0
check "skip warning names the file and line" grep -q "mixed.log: skipped 1 line .*line 1" "$work/err"

# A broken seccomp record: exit 1, FILE:LINE.
{ head -n 2 "$data/dmesg.log"; sed -n 3p "$data/dmesg.log" | sed 's/arch=c000003e/arch=deadbeef/'; } > "$work/bad.log"
"$syscribe" explain "$work/bad.log" > /dev/null 2> "$work/err"
check "unknown arch exits 1" test $? = 1
check "unknown arch names bad.log:3" grep -q "bad.log:3: unknown audit arch" "$work/err"

# Stdin by default.
"$syscribe" explain -q < "$data/audit.log" > "$work/stdin.out"
check "stdin read" grep -q "^7 seccomp events in 1 file" "$work/stdin.out"

# --evidence: a valid evidence file with phase audit and one instance per pid.
"$syscribe" explain -q --evidence "$work/ev.json" "$data/audit.log" > /dev/null
check "--evidence written" python3 - "$work/ev.json" <<'PY'
import json, sys
ev = json.load(open(sys.argv[1]))
assert ev["format"] == "syscribe-evidence", ev["format"]
procs = ev["processes"]
total = sum(p["instances"] for p in procs)
assert total == 7, total
assert all(set(p["phases"]) == {"audit"} for p in procs)
PY

# --profile: a default-deny profile without getppid names the missing rule; i386 is not listed.
cat > "$work/profile.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
 "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"}]}
JSON
"$syscribe" explain -q --json --profile "$work/profile.json" "$data/audit.log" > "$work/verdicts.json"
check "--profile verdicts" python3 - "$work/verdicts.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))["summary"]
for r in rows:
    v = r["profile"]
    assert v["status"] == "denied", r
    if r["arch"] == "x86_64":
        assert '"names": ["getppid"]' in v["why"], v
        assert v["action"].startswith("SCMP_ACT_ERRNO"), v
    else:
        assert "SCMP_ARCH_X86" in v["why"], v
PY

exit "$fail"
