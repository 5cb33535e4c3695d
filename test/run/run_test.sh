#!/usr/bin/env bash
# syscribe run: denials are reported with process and phase, the workload sees the
# profile's errno, --fail-on-denial exits 4, and complain-mode evidence merged back
# yields a profile under which the workload runs clean.
# Usage: run_test.sh SYSCRIBE PROBE
set -euo pipefail
S=$1
PROBE=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$S" record -q -o "$T/base.ev.json" -- "$PROBE" base >/dev/null || [ $? -eq 7 ] || fail "record base"
"$S" generate "$T/base.ev.json" -o "$T/base.json" 2>/dev/null || fail "generate"

# record --profile does both steps: the same profile as generate on its evidence.
"$S" record -q -o "$T/once.ev.json" --profile "$T/once.json" -- "$PROBE" base >/dev/null || [ $? -eq 7 ] || fail "record --profile"
"$S" generate -q "$T/once.ev.json" -o "$T/once-gen.json" || fail "generate once"
cmp -s "$T/once.json" "$T/once-gen.json" || fail "record --profile differs from generate"

# The workload's own exit status passes through when nothing is denied.
set +e
"$S" run --profile "$T/base.json" -- "$PROBE" base >"$T/out0" 2>"$T/err0"; rc=$?
set -e
[ $rc -eq 7 ] || fail "exit status $rc, expected the workload's 7"
grep -q "denied nothing" "$T/err0" || fail "clean run not reported: $(cat "$T/err0")"

# Enforcing: the probe gets EPERM (1) for both calls, and the report names them.
set +e
"$S" run --profile "$T/base.json" -- "$PROBE" extra >"$T/out1" 2>"$T/err1"; rc=$?
set -e
[ $rc -eq 7 ] || fail "exit status $rc under denial"
grep -qx "unshare=-1 errno=1" "$T/out1" || fail "unshare not denied with EPERM: $(cat "$T/out1")"
grep -qx "socket=-1 errno=1" "$T/out1" || fail "socket(AF_NETLINK) not denied with EPERM: $(cat "$T/out1")"
grep -Eq "^  unshare +x1 +x86_64 SCMP_ACT_ERRNO\(EPERM\) by .*denied_probe \(pid [0-9]+\) in phase run" "$T/err1" \
  || fail "unshare denial not reported with process and phase: $(cat "$T/err1")"
grep -q "unshare(flags=CLONE_NEWUTS)" "$T/err1" || fail "unshare arguments not shown by name"
grep -q "socket(domain=AF_NETLINK" "$T/err1" || fail "socket family not shown by name"

# --fail-on-denial: exit 4.
set +e
"$S" run -q --fail-on-denial --profile "$T/base.json" -- "$PROBE" extra >/dev/null 2>&1; rc=$?
set -e
[ $rc -eq 4 ] || fail "--fail-on-denial exit $rc, expected 4"

# Complain: the calls succeed, and their evidence folds back into a profile.
set +e
"$S" run --complain -o "$T/missing.ev.json" --profile "$T/base.json" -- "$PROBE" extra >"$T/out2" 2>"$T/err2"; rc=$?
set -e
[ $rc -eq 7 ] || fail "complain exit $rc"
grep -qx "unshare=0 errno=0" "$T/out2" || fail "complain mode did not let unshare proceed: $(cat "$T/out2")"
grep -q '"unshare"' "$T/missing.ev.json" || fail "complain evidence lacks unshare"
cat > "$T/review.yaml" <<'YAML'
decisions:
  - syscall: unshare
    decision: allow
    reason: "test: the probe creates a UTS namespace"
YAML
gen_args=("$T/base.ev.json" "$T/missing.ev.json" -o "$T/full.json")
if "$S" generate --help | grep -q -- --review; then gen_args+=(--review "$T/review.yaml"); fi
"$S" generate "${gen_args[@]}" 2>"$T/gen.err" || fail "generate with complain evidence: $(cat "$T/gen.err")"
set +e
"$S" run --fail-on-denial --profile "$T/full.json" -- "$PROBE" extra >"$T/out3" 2>"$T/err3"; rc=$?
set -e
[ $rc -eq 7 ] || fail "folded-back profile still denies: exit $rc: $(cat "$T/err3")"
grep -q "denied nothing" "$T/err3" || fail "folded-back profile: $(cat "$T/err3")"

# Bad input: a missing profile and a missing command.
set +e
"$S" run --profile "$T/nope.json" -- "$PROBE" 2>"$T/e4"; rc=$?
set -e
[ $rc -eq 1 ] && grep -q "nope.json" "$T/e4" || fail "missing profile: exit $rc: $(cat "$T/e4")"
set +e
"$S" run --profile "$T/base.json" -- /nonexistent/cmd 2>"$T/e5"; rc=$?
set -e
[ $rc -eq 127 ] || fail "missing command: exit $rc, expected 127"
# Denials in lifecycle order, and a failed lifecycle step still said with --fail-on-denial
# (which keeps exit 4). uname is denied once in startup and once in serving; the workload
# says when it is ready and when its serving call is done, so nothing here waits on time.
cat > "$T/deny-uname.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["uname"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
JSON
set +e
"$S" run --profile "$T/deny-uname.json" --fail-on-denial --ready "file:$T/ready" \
  --traffic "touch '$T/go'; while [ ! -e '$T/served' ]; do sleep 0.05; done; exit 3" \
  -- sh -c "uname; touch '$T/ready'; while [ ! -e '$T/go' ]; do sleep 0.05; done; uname; touch '$T/served'; exec sleep 30" \
  >/dev/null 2>"$T/e9"; rc=$?
set -e
[ $rc -eq 4 ] || fail "denial with a failed traffic command: exit $rc, expected 4: $(cat "$T/e9")"
grep -q "syscribe run: the traffic command failed (exit status 3)" "$T/e9" \
  || fail "--fail-on-denial hid the failed traffic command: $(cat "$T/e9")"
phases=$(grep -Eo "^  uname +x1 .* in phase [a-z]+" "$T/e9" | sed 's/.* in phase //' | tr '\n' ' ')
[ "$phases" = "startup serving " ] || fail "denials not in lifecycle order (got: $phases): $(cat "$T/e9")"

# A name the tables do not know: ignored as runc and crun do, with a warning naming the
# file and the JSON path; the run goes on.
cat > "$T/notacall.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["notacall"], "action": "SCMP_ACT_ERRNO"}]}
JSON
set +e
"$S" run --profile "$T/notacall.json" -- "$PROBE" base >/dev/null 2>"$T/e8"; rc=$?
set -e
[ $rc -eq 7 ] || fail "unknown name: exit $rc: $(cat "$T/e8")"
grep -q "warning: $T/notacall.json: \$\.syscalls\[0\]\.names\[0\]: unknown syscall \"notacall\"" "$T/e8" \
  || fail "unknown name not reported with file and position: $(cat "$T/e8")"

# The output path is checked before the workload starts, as record does.
set +e
"$S" run --complain -o /nonexistent/x.json --profile "$T/base.json" -- sh -c "touch '$T/ran'" 2>"$T/e7"; rc=$?
set -e
[ $rc -eq 1 ] && grep -q "/nonexistent" "$T/e7" || fail "unwritable -o: exit $rc: $(cat "$T/e7")"
[ ! -e "$T/ran" ] || fail "unwritable -o: the workload ran before the output path was checked"

skipped=
# An i386 call (int 0x80) under a profile without SCMP_ARCH_X86: the kernel's bad-arch kill
# is reported as a denial with arch, syscall, process and phase.
if [ "$("$PROBE" int80 | tail -n1)" = "int80 ok" ]; then
  cat > "$T/x86_64-only.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
 "syscalls": [{"names": ["uname"], "action": "SCMP_ACT_ERRNO"}]}
JSON
  set +e
  "$S" run --profile "$T/x86_64-only.json" -- "$PROBE" int80 >"$T/out10" 2>"$T/e10"; rc=$?
  set -e
  [ $rc -eq 159 ] || fail "int 0x80 outside the profile's arches: exit $rc, expected 159 (SIGSYS): $(cat "$T/e10")"
  grep -Eq "^  getpid +x1 +i386 SCMP_ACT_KILL_THREAD \(arch not in the profile\) by .*denied_probe \(pid [0-9]+\) in phase run" "$T/e10" \
    || fail "bad-arch kill not reported as a denial: $(cat "$T/e10")"
  if grep -q "denied nothing" "$T/e10"; then fail "bad-arch kill reported as nothing denied"; fi
else
  echo "skip: int 0x80 does not work here (not x86_64, or no IA32 emulation): bad-arch case"
  skipped=1
fi
# A directory as the profile: one line naming it, exit 1.
set +e
"$S" run --profile "$T" -- true 2>"$T/e6"; rc=$?
set -e
[ $rc -eq 1 ] && grep -qx "syscribe run: $T: is a directory" "$T/e6" || fail "directory profile: exit $rc: $(cat "$T/e6")"

# SIGINT from a process (kill, timeout -s INT, a supervisor) is passed on to the workload, as
# record does; the workload says when its trap is set.
"$S" run -q --profile "$T/deny-uname.json" -- sh -c "trap 'exit 9' INT; touch '$T/trapped'; while :; do sleep 0.05; done" \
  >/dev/null 2>"$T/e10" &
run_pid=$!
for _ in $(seq 200); do [ -e "$T/trapped" ] && break; sleep 0.05; done
kill -INT $run_pid
for _ in $(seq 200); do kill -0 $run_pid 2>/dev/null || break; sleep 0.05; done
if kill -0 $run_pid 2>/dev/null; then kill -KILL $run_pid; fail "SIGINT to syscribe run did not reach the workload"; fi
set +e
wait $run_pid; rc=$?
set -e
[ $rc -eq 9 ] || fail "SIGINT to syscribe run: exit $rc, expected the workload's 9: $(cat "$T/e10")"

# A debugger's child under a profile that allows ptrace: PTRACE_TRACEME gets EPERM, as for
# a process already traced (granted, syscribe would become its tracer and the exec after
# it would stop the workload for good); the exec goes on and the workload ends by itself.
set +e
timeout -k 5 20 "$S" run --profile "$T/deny-uname.json" -- "$PROBE" traceme >"$T/out14" 2>"$T/e14"; rc=$?
set -e
[ $rc -eq 7 ] || fail "PTRACE_TRACEME under run: exit $rc, expected the workload's 7 (124 or 137: it hung): $(cat "$T/e14")"
grep -qx "traceme=-1 errno=1" "$T/out14" || fail "PTRACE_TRACEME under run not answered EPERM: $(cat "$T/out14")"
grep -q "denied nothing" "$T/e14" || fail "the refused PTRACE_TRACEME reported as a denial: $(cat "$T/e14")"
# A workload stopped in SIGSTOP still ends on SIGTERM and SIGINT to syscribe run (passed on,
# then SIGCONT, as systemd does after its stop signal).
for sig in TERM INT; do
  rm -f "$T/out15"
  "$S" run -q --profile "$T/deny-uname.json" -- "$PROBE" stop >"$T/out15" 2>"$T/e15" &
  run_pid=$!
  stopped=
  for _ in $(seq 200); do
    kid=$(cat /proc/$run_pid/task/$run_pid/children 2>/dev/null | awk '{print $1}')
    if [ -n "$kid" ] && grep -qx stopping "$T/out15" && [ "$(awk '{print $3}' /proc/$kid/stat 2>/dev/null)" = T ]; then
      stopped=1; break
    fi
    sleep 0.05
  done
  [ -n "$stopped" ] || { kill -KILL $run_pid; fail "the stop probe did not stop under run: $(cat "$T/out15")"; }
  kill -$sig $run_pid
  for _ in $(seq 200); do kill -0 $run_pid 2>/dev/null || break; sleep 0.05; done
  if kill -0 $run_pid 2>/dev/null; then kill -KILL "$kid" $run_pid; fail "SIG$sig to syscribe run left a stopped workload running"; fi
  set +e
  wait $run_pid; rc=$?
  set -e
  want=$((128 + $(kill -l $sig)))
  [ $rc -eq $want ] || fail "SIG$sig to syscribe run with a stopped workload: exit $rc, expected $want: $(cat "$T/e15")"
done

# A root without CAP_SYS_ADMIN (a container that drops it) loads the profile under
# no_new_privs, which the kernel then requires; a full root does not set it.
capsh=$(command -v capsh || { [ -x /usr/sbin/capsh ] && echo /usr/sbin/capsh; } || true)
if [ "$(id -u)" = 0 ] && [ -n "$capsh" ]; then
  out=$("$S" run -q --profile "$T/deny-uname.json" -- grep '^NoNewPrivs:' /proc/self/status) || fail "run as root: exit $?"
  [ "$(echo $out)" = "NoNewPrivs: 0" ] || fail "run as a full root set no_new_privs: $out"
  set +e
  out=$("$capsh" --drop=cap_sys_admin -- -c 'exec "$@"' sh "$S" run -q --profile "$T/deny-uname.json" -- \
    grep '^NoNewPrivs:' /proc/self/status 2>&1); rc=$?
  set -e
  [ $rc -eq 0 ] && [ "$(echo $out)" = "NoNewPrivs: 1" ] || fail "run as root without CAP_SYS_ADMIN: exit $rc: $out"
else
  echo "skip: no_new_privs without CAP_SYS_ADMIN: needs root and capsh (libcap2-bin)"
  skipped=1
fi

# syscribe mark works under run as under record: the workload inherits $SYSCRIBE_CONTROL, and
# a call after its mark is reported in the marked phase; the socket is announced.
set +e
"$S" run --profile "$T/deny-uname.json" --control "$T/run.sock" -- sh -c "uname; '$S' mark maintenance && uname" \
  >/dev/null 2>"$T/e11"; rc=$?
set -e
phases=$(grep -Eo "^  uname +x1 .* in phase [a-z]+" "$T/e11" | sed 's/.* in phase //' | tr '\n' ' ')
[ "$phases" = "run maintenance " ] || fail "mark under run: phases '$phases' (exit $rc): $(cat "$T/e11")"
grep -q "syscribe run: control socket $T/run.sock" "$T/e11" || fail "run does not announce its control socket: $(cat "$T/e11")"
[ ! -e "$T/run.sock" ] || fail "run left its control socket behind"

# A threaded program under its own profile: the profile's clone3 stub (ERRNO(ENOSYS)) makes
# glibc fall back to clone; run reports that as an expected fallback, not a denial, and
# --fail-on-denial passes.
"$S" record -q -o "$T/threads.ev.json" -- "$PROBE" threads >/dev/null || [ $? -eq 7 ] || fail "record threads"
"$S" generate -q "$T/threads.ev.json" -o "$T/threads.json" || fail "generate threads"
grep -q '"clone3"' "$T/threads.json" || fail "the threads profile has no clone3 rule"
set +e
"$S" run --fail-on-denial --profile "$T/threads.json" -- "$PROBE" threads >"$T/out12" 2>"$T/e12"; rc=$?
set -e
[ $rc -eq 7 ] || fail "threaded program under its own profile: exit $rc, expected 7: $(cat "$T/e12")"
grep -qx "thread ok" "$T/out12" || fail "the thread was not created: $(cat "$T/out12")"
grep -q "denied nothing" "$T/e12" || fail "the clone3 stub counted as a denial: $(cat "$T/e12")"
grep -Eq "^  clone3 +x[0-9]+ +x86_64 SCMP_ACT_ERRNO\(ENOSYS\)" "$T/e12" && grep -q "expected fallback" "$T/e12" \
  || fail "the clone3 stub not reported as an expected fallback: $(cat "$T/e12")"
# --complain still answers the stub ENOSYS and writes no evidence of it.
set +e
"$S" run --complain -o "$T/threads-missing.ev.json" --profile "$T/threads.json" -- "$PROBE" threads >"$T/out13" 2>"$T/e13"; rc=$?
set -e
[ $rc -eq 7 ] || fail "complain threads: exit $rc"
if grep -q '"clone3"' "$T/threads-missing.ev.json"; then fail "complain wrote the clone3 fallback as missing evidence"; fi

if [ -n "$skipped" ]; then echo "run tests passed, but a case was skipped"; exit 77; fi
echo "run tests passed"
