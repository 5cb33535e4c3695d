#!/usr/bin/env python3
"""Tracer tests: record each test program with `syscribe record` and check the evidence.

For every program: the syscalls it announces ("expect ARCH:NAME[:ARG=VALUE]" lines on
stdout) are in its evidence, nothing beyond those and the startup set of `empty` is, and
the per-executable syscall sets equal those strace -f sees (strace is the oracle).
Then: exit status and signal passthrough, kill -9 of the recorder (EXITKILL), attach and
detach, and the errors for bad input. Prints one line per case; exits 1 on any failure,
77 (skip) when everything that ran passed but a part could not run (no strace, no 32-bit
toolchain, a kernel without int 0x80).

--engine runs every launched recording with that engine (the default: the recorder's own
choice, the notify engine on this kind of kernel); the strace oracle must agree for each.
"""
import argparse, functools, json, os, platform, re, shutil, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'pylib'))
from syscribe_test import check, finish, skip, state  # noqa: E402
import syscribe_test as t  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument('--syscribe', required=True)
ap.add_argument('--progs', required=True)
ap.add_argument('--m32')
ap.add_argument('--strace', help='the strace program (default: strace on PATH)')
ap.add_argument('--engine', default='auto', choices=('auto', 'notify', 'ptrace'))
ap.add_argument('--only', help='run only cases whose name contains this')
opt = ap.parse_args()

NATIVE = {'x86_64': 'x86_64', 'aarch64': 'aarch64'}.get(platform.machine(), platform.machine())
TMP = tempfile.mkdtemp(prefix='syscribe-tracer-test-')
TIMING_DEPENDENT = {'futex'}
STRACE = opt.strace or shutil.which('strace')
# Inserted after `record` in every launched recording.
ENGINE = () if opt.engine == 'auto' else ('--engine', opt.engine)
# The evidence's `mode` a plain launched recording must show.
LAUNCH_MODE = {'auto': 'notify-sync', 'notify': 'notify-sync', 'ptrace': 'seccomp'}[opt.engine]
prog = functools.partial(t.prog, opt.progs, 'tp_')


def record(argv, extra=(), timeout=30):
    """A launched recording with this run's engine, into one scratch file: (process, evidence)."""
    return t.record(opt.syscribe, os.path.join(TMP, 'ev.json'), argv, (*ENGINE, *extra), timeout)


def evidence_sets(ev):
    """exe -> {(arch, name)} and exe -> {(arch, name, arg, value)} over all phases."""
    calls, args = {}, {}
    for p in ev['processes']:
        exe = p['exe']
        for phase in p.get('phases', {}).values():
            for arch, m in phase.items():
                for name, st in m.items():
                    calls.setdefault(exe, set()).add((arch, name))
                    for arg, values in st.get('args', {}).items():
                        for v in values:
                            args.setdefault(exe, set()).add((arch, name, arg, v))
    return calls, args


def value_keys(ev):
    """(arch, syscall) -> the keys a --known filter compares: the tuples of a syscall that has
    them, the ARG=VALUE of its one recorded number argument otherwise."""
    keys = {}
    for p in ev['processes']:
        for phase in p.get('phases', {}).values():
            for arch, m in phase.items():
                for name, st in m.items():
                    ks = set(st.get('tuples', {}))
                    args = st.get('args', {})
                    if not ks and len(args) == 1:
                        (arg, values), = args.items()
                        ks = {f'{arg}={v}' for v in values if v.startswith('0x')}
                    keys.setdefault((arch, name), set()).update(ks)
    return keys


LINE = re.compile(r'^(\d+)\s+(.*)$')
CALL = re.compile(r'^([a-z_0-9]+)\(')
RESUMED = re.compile(r'^<\.\.\. ([a-z_0-9]+) resumed>')
RET = re.compile(r'=\s+(-?\d+)')


def strace_sets(argv):
    """exe -> {name} as strace -f sees it: a new process runs its parent's program until
    a successful execve; the execve itself counts for the program that called it."""
    out = os.path.join(TMP, 'strace.txt')
    if os.path.exists(out):
        os.unlink(out)
    subprocess.run([STRACE, '-f', '-qq', '-o', out, *argv], capture_output=True, timeout=30)
    if not os.path.exists(out) or os.path.getsize(out) == 0:
        raise RuntimeError(f'{STRACE} wrote no trace of {argv}')
    exe, pending, parent_of = {}, {}, {}
    sets = {}
    first = [None]
    exec_paths = {}  # pid -> path of the execve in flight

    def account(pid, name):
        # strace names a number it cannot place syscall_0xN; it prints such garbage for a
        # thread killed by another thread's exec while it read the registers.
        if not name.startswith('syscall_0x'):
            sets.setdefault(exe[pid], set()).add(name)

    def handle(pid, kind, name, rest):
        if pid not in exe:
            if first[0] is None:
                first[0] = pid
                exe[pid] = None  # resolved by its first execve
            else:
                pending.setdefault(pid, []).append((kind, name, rest))
                return
        if kind == 'call' and name in ('execve', 'execveat'):
            m = re.match(r'^[a-z]+\((?:\d+, )?"([^"]*)"', rest)
            if m:
                exec_paths[pid] = os.path.realpath(m.group(1))
        if kind == 'call' and exe[pid] is not None:
            account(pid, name)
        ret = RET.search(rest.rsplit(')', 1)[-1]) if '=' in rest else None
        if ret is None:
            return
        value = int(ret.group(1))
        if name in ('execve', 'execveat') and value == 0:
            # The thread that called it may differ from the leader that reports success.
            path = exec_paths.pop(pid, None) or next(iter(exec_paths.values()), None)
            if exe[pid] is None:
                exe[pid] = path
                account(pid, name)
            else:
                exe[pid] = path
        if name in ('clone', 'clone3', 'fork', 'vfork') and value > 0:
            parent_of[value] = pid
            if value not in exe:
                exe[value] = exe[pid]
                for k, n, r in pending.pop(value, []):
                    handle(value, k, n, r)

    for line in open(out):
        m = LINE.match(line.rstrip('\n'))
        if not m:
            continue
        pid, rest = int(m.group(1)), m.group(2)
        if rest.startswith('---') or rest.startswith('+++'):
            continue
        r = RESUMED.match(rest)
        if r:
            handle(pid, 'resumed', r.group(1), rest)
            continue
        c = CALL.match(rest)
        if c:
            handle(pid, 'call', c.group(1), rest)
    return {k: v for k, v in sets.items() if k}


def expectations(stdout):
    calls, args = set(), set()
    for line in stdout.splitlines():
        if not line.startswith('expect '):
            continue
        for item in line.split()[1:]:
            parts = item.split(':')
            arch = NATIVE if parts[0] == 'native' else parts[0]
            calls.add((arch, parts[1]))
            for a in parts[2:]:
                k, v = a.split('=')
                args.add((arch, parts[1], k, v))
    return calls, args


startup = set()


def program_case(name, argv, exit_status=0, extra=(), arch_override=None):
    if opt.only and opt.only not in name:
        return
    p, ev = record(argv, extra)
    if ev is None:
        check(name, False, f'no evidence (exit {p.returncode}): {p.stderr.strip()}')
        return
    check(f'{name}: exit status', p.returncode == exit_status, f'{p.returncode} != {exit_status}: {p.stderr.strip()}')
    calls, args = evidence_sets(ev)
    exe = os.path.realpath(argv[0])
    mine = calls.get(exe, set())
    want_calls, want_args = expectations(p.stdout)
    if arch_override:
        want_calls = {(arch_override, n) for _, n in want_calls}
        want_args = {(arch_override, n, k, v) for _, n, k, v in want_args}
    # A timing-dependent call may be announced (so it is never "unexpected") yet not made:
    # exec_thread's pthread_join waits on a futex only if the exec has not happened yet.
    missing = {c for c in want_calls - mine if c[1] not in TIMING_DEPENDENT}
    check(f'{name}: announced syscalls recorded', not missing, f'missing {sorted(missing)}')
    missing_args = want_args - args.get(exe, set())
    check(f'{name}: announced argument values recorded', not missing_args, f'missing {sorted(missing_args)}')
    if name == 'empty':
        startup.update(mine)
    elif startup and not arch_override:
        extra_calls = mine - want_calls - startup
        check(f'{name}: nothing beyond announced + startup', not extra_calls, f'unexpected {sorted(extra_calls)}')
    if not STRACE:
        skip(f'{name}: strace oracle', 'strace not installed')
        return
    oracle = strace_sets(argv)
    ours = {e: {n for _, n in s} for e, s in calls.items()}
    for e in sorted(set(oracle) | set(ours)):
        # futex appears only when threads happen to contend (joins, stdio locks): whether
        # a run makes it depends on timing, not on the tracer.
        a, b = ours.get(e, set()) - TIMING_DEPENDENT, oracle.get(e, set()) - TIMING_DEPENDENT
        check(f'{name}: same syscalls as strace for {os.path.basename(e)}', a == b,
              f'only syscribe {sorted(a - b)}, only strace {sorted(b - a)}')


# ---- per-program evidence ---------------------------------------------------------------
program_case('empty', [prog('empty')])
program_case('files', [prog('files'), TMP])
program_case('sockets', [prog('sockets')])
program_case('threads', [prog('threads')])
program_case('exec_thread', [prog('exec_thread'), prog('empty')])
program_case('procs', [prog('procs'), prog('empty')])
def runs_natively(argv):
    """Whether a program this host may not support (int 0x80, 32-bit) runs at all here."""
    try:
        return subprocess.run(argv, capture_output=True, timeout=10).returncode == 0
    except OSError:
        return False


if NATIVE != 'x86_64':
    skip('int80', f'int 0x80 is an x86 instruction, the host is {NATIVE}')
elif not runs_natively([prog('int80')]):
    skip('int80', 'int 0x80 does not run on this kernel (no IA32 emulation)')
else:
    program_case('int80', [prog('int80')])
program_case('signals', [prog('signals')], exit_status=2)
program_case('killed', [prog('killed')], exit_status=128 + signal.SIGTERM)
program_case('zombie', [prog('zombie')])
program_case('results', [prog('files'), '/nonexistent-dir'], extra=('--results',))
if opt.engine != 'notify':
    program_case('ptrace-syscall mode', [prog('procs'), prog('empty')], extra=('--mode', 'ptrace-syscall'))
program_case('exec racing threads', [prog('exec_race'), prog('empty')])
program_case('sigstorm', [prog('sigstorm')])
# A debugger's child asks to be traced: already traced, it gets EPERM (exit 0 says so).
program_case('traceme', [prog('traceme')])
if not opt.m32:
    skip('m32', 'no -m32 toolchain (install gcc-multilib)')
elif not runs_natively([opt.m32]):
    skip('m32', 'the 32-bit program does not run on this kernel (no IA32 emulation)')
else:
    program_case('m32', [opt.m32], arch_override='i386')


def selected(name):
    return not opt.only or opt.only in name


# ---- recording details ----------------------------------------------------------------------
if selected('metadata'):
    p, ev = record([prog('exit_with'), '7'])
    r = ev['recordings'][0] if ev else {}
    check('metadata: exit status 7 returned and recorded', p.returncode == 7 and r.get('exit_status') == 7,
          f'{p.returncode} {r.get("exit_status")}')
    check(f'metadata: mode {LAUNCH_MODE}, kernel, arch, version, marks',
          r.get('mode') == LAUNCH_MODE and r.get('host_kernel') == platform.release() and r.get('host_arch') == NATIVE
          and r.get('tool_version') and r.get('marks', [{}])[0].get('phase') == 'run'
          and re.match(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$', r.get('started', '')), json.dumps(r))
    p, ev = record([prog('exit_with'), '-15'])
    check('metadata: death by SIGTERM gives 143', p.returncode == 143, str(p.returncode))

if selected('results'):
    p, ev = record([prog('files'), '/nonexistent-dir'], extra=('--results',))
    errs = {}
    for pr in ev['processes']:
        for ph in pr['phases'].values():
            for name, st in ph.get(NATIVE, {}).items():
                for e in st.get('errors', {}):
                    errs.setdefault(name, set()).add(e)
    check('results: ENOENT recorded for openat and unlinkat', 'ENOENT' in errs.get('openat', set())
          and 'ENOENT' in errs.get('unlinkat', set()), str(errs))
    p, ev = record([prog('files'), '/nonexistent-dir'])
    has = any(st.get('errors') for pr in ev['processes'] for ph in pr['phases'].values()
              for m in ph.values() for st in m.values())
    check('results: no errors recorded without --results', not has)

# ---- the notify engine's hard cases (each must hold for the ptrace engine too) ----------------
if selected('listener'):
    # The recorder's listener never reaches the workload or what it starts.
    p, ev = record(['/bin/sh', '-c', 'ls -l /proc/self/fd/; ls -l /proc/$$/fd/'])
    check('listener: the seccomp listener is not among the workload\'s fds',
          p.returncode == 0 and '->' in p.stdout and 'seccomp' not in p.stdout, p.stdout + p.stderr)
    # A workload's own listener: the kernel refuses a second one in the chain (EBUSY), so
    # the notify engine warns and names the ptrace engine; the ptrace engine lets it work.
    out = os.path.join(TMP, 'own.json')
    p = subprocess.run([opt.syscribe, 'record', *ENGINE, '-o', out, '--', prog('own_listener')],
                       capture_output=True, text=True, timeout=30)
    if LAUNCH_MODE.startswith('notify'):
        check('listener: a workload\'s own listener gets EBUSY and a warning naming --engine ptrace',
              p.returncode == 0 and 'listener Device or resource busy' in p.stdout
              and 'warning' in p.stderr and '--engine ptrace' in p.stderr, f'{p.returncode} {p.stdout} {p.stderr}')
    else:
        check('listener: a workload\'s own listener works under the ptrace engine, no warning',
              p.returncode == 0 and 'listener ok' in p.stdout and 'warning' not in p.stderr,
              f'{p.returncode} {p.stdout} {p.stderr}')

if selected('fallback') and opt.engine == 'auto':
    # Started under a listener, the recorder's own is refused (EBUSY): auto falls back to the
    # ptrace engine and says so; --engine notify fails, naming the reason.
    out = os.path.join(TMP, 'fallback.json')
    p = subprocess.run([prog('own_listener'), opt.syscribe, 'record', '-o', out, '--', prog('exit_with'), '3'],
                       capture_output=True, text=True, timeout=30)
    ev = json.load(open(out)) if os.path.exists(out) else {'processes': [], 'recordings': [{}]}
    calls, _ = evidence_sets(ev)
    check('fallback: a refused listener falls back to the ptrace engine and says so',
          p.returncode == 3 and 'refused a seccomp listener (EBUSY)' in p.stderr
          and ev['recordings'][0].get('mode') == 'seccomp'
          and (NATIVE, 'exit_group') in calls.get(os.path.realpath(prog('exit_with')), set()),
          f'{p.returncode} {p.stderr} {calls}')
    p = subprocess.run([prog('own_listener'), opt.syscribe, 'record', '--engine', 'notify', '-o', out, '--',
                        prog('exit_with'), '3'], capture_output=True, text=True, timeout=30)
    check('fallback: --engine notify fails where the kernel refuses a listener',
          p.returncode == 1 and 'refused a seccomp listener' in p.stderr, f'{p.returncode} {p.stderr}')

if selected('sigstorm'):
    # Calls interrupted by a signal while they wait for the answer are notified again when
    # they restart: counted once each.
    p, ev = record([prog('sigstorm')])
    n = 0
    for pr in (ev or {}).get('processes', []):
        if pr['exe'] == os.path.realpath(prog('sigstorm')):
            n += sum(ph.get(NATIVE, {}).get('getppid', {}).get('count', 0) for ph in pr['phases'].values())
    # Under the notify engine the filter waits killable once a notification is received
    # (SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, Linux 5.19): a signal can no longer make the
    # kernel drop an answer already given and restart the call, so the count is exact there too.
    check('sigstorm: 20000 getppid under a signal storm counted 20000 times', n == 20000, str(n))

if selected('recorder killed'):
    # kill -9 of the recorder: no call of the workload runs unrecorded afterwards (EXITKILL
    # ends it; with the notify engine a call still waiting gets ENOSYS as the listener closes).
    grow = os.path.join(TMP, 'grow.txt')
    rec = subprocess.Popen([opt.syscribe, 'record', *ENGINE, '-q', '-o', os.path.join(TMP, 'g.json'), '--',
                            '/bin/sh', '-c', f'while :; do echo x >> {grow}; done'])
    deadline = time.time() + 5
    while time.time() < deadline and (not os.path.exists(grow) or os.path.getsize(grow) < 1000):
        time.sleep(0.02)
    kids = open(f'/proc/{rec.pid}/task/{rec.pid}/children').read().split()
    rec.kill()
    rec.wait()
    time.sleep(0.2)
    size = os.path.getsize(grow)
    time.sleep(0.3)
    left = [k for k in kids if state(int(k)) not in (None, 'Z')]
    check('recorder killed: the workload is gone and writes nothing more',
          kids and not left and os.path.getsize(grow) == size, f'kids={kids} left={left} {size} {os.path.getsize(grow)}')

# ---- bad input --------------------------------------------------------------------------------
if selected('bad input'):
    p = subprocess.run([opt.syscribe, 'record', *ENGINE, '-q', '-o', os.path.join(TMP, 'x.json'), '--', 'no-such-command-xyz'],
                       capture_output=True, text=True)
    check('bad input: missing command exits 127', p.returncode == 127 and 'not found' in p.stderr, f'{p.returncode} {p.stderr}')
    noexec = os.path.join(TMP, 'noexec')
    open(noexec, 'w').write('#!/bin/sh\n')
    os.chmod(noexec, 0o644)
    p = subprocess.run([opt.syscribe, 'record', *ENGINE, '-q', '-o', os.path.join(TMP, 'x.json'), '--', noexec],
                       capture_output=True, text=True)
    check('bad input: non-executable exits 126', p.returncode == 126, f'{p.returncode} {p.stderr}')
    p = subprocess.run([opt.syscribe, 'record', *ENGINE, '-q', '-o', '/nonexistent-dir/x.json', '--', prog('empty')],
                       capture_output=True, text=True)
    check('bad input: unwritable output exits 1 before running', p.returncode == 1 and '/nonexistent-dir' in p.stderr,
          f'{p.returncode} {p.stderr}')
    p = subprocess.run([opt.syscribe, 'record', *ENGINE, '-q', '-o', os.path.join(TMP, 'x.json'), '-p', '999999999'],
                       capture_output=True, text=True)
    check('bad input: missing PID exits 1 saying so', p.returncode == 1 and 'no such process' in p.stderr,
          f'{p.returncode} {p.stderr}')


def tracer_of(pid):
    try:
        for line in open(f'/proc/{pid}/status'):
            if line.startswith('TracerPid:'):
                return int(line.split()[1])
    except OSError:
        return None


# ---- signals, EXITKILL, attach -------------------------------------------------------------------
if selected('signal passthrough'):
    out = os.path.join(TMP, 'sig.json')
    rec = subprocess.Popen([opt.syscribe, 'record', *ENGINE, '-q', '-o', out, '--', prog('sigwait')],
                           stdout=subprocess.PIPE, text=True)
    rec.stdout.readline()
    rec.send_signal(signal.SIGUSR1)
    rc = rec.wait(timeout=10)
    check('signal passthrough: SIGUSR1 to syscribe reaches the workload once', rc == 10 + signal.SIGUSR1, str(rc))
    rec = subprocess.Popen([opt.syscribe, 'record', *ENGINE, '-q', '-o', out, '--', prog('sigwait')],
                           stdout=subprocess.PIPE, text=True, start_new_session=True)
    rec.stdout.readline()
    os.killpg(rec.pid, signal.SIGTERM)  # the whole group, as a shell or supervisor would
    rc = rec.wait(timeout=10)
    check('signal passthrough: SIGTERM to the process group is delivered once', rc == 10 + signal.SIGTERM, str(rc))

if selected('traceme stop'):
    # A debugger's child that stopped itself for a tracer that never comes: SIGTERM or SIGINT
    # to syscribe still ends it (passed on, then SIGCONT so that the stopped process acts).
    for sig in (signal.SIGTERM, signal.SIGINT):
        rec = subprocess.Popen([opt.syscribe, 'record', *ENGINE, '-q', '-o', os.path.join(TMP, 'tm.json'), '--',
                                prog('traceme'), 'stop'], stdout=subprocess.PIPE, text=True)
        said = [rec.stdout.readline() for _ in range(3)]
        kids = open(f'/proc/{rec.pid}/task/{rec.pid}/children').read().split()
        deadline = time.time() + 5
        while time.time() < deadline and not (kids and state(int(kids[0])) in ('t', 'T')):
            time.sleep(0.02)
        stopped = bool(kids) and state(int(kids[0])) in ('t', 'T')
        rec.send_signal(sig)
        try:
            rc = rec.wait(timeout=10)
        except subprocess.TimeoutExpired:
            rc = None
            for k in kids:
                os.kill(int(k), signal.SIGKILL)
            rec.wait()
        check(f'traceme stop: SIG{sig.name[3:]} to syscribe ends a workload stopped in SIGSTOP after EPERM',
              said[1:] == ['traceme=-1 errno=1\n', 'stopping\n'] and stopped and rc == 128 + sig,
              f'said {said}, stopped {stopped}, exit {rc}')

def cap_effective():
    for line in open('/proc/self/status'):
        if line.startswith('CapEff:'):
            return int(line.split()[1], 16)
    return 0


if selected('no_new_privs'):
    # The kernel takes the launch filter without no_new_privs only from a task with
    # CAP_SYS_ADMIN: a full root records without it (setuid programs keep working), a root
    # without that capability (a container, capsh --drop) sets it and still records.
    CAP_SYS_ADMIN = 21
    nnp_argv = ['grep', '^NoNewPrivs:', '/proc/self/status']
    out = os.path.join(TMP, 'nnp.json')
    if os.geteuid() != 0 or not cap_effective() & (1 << CAP_SYS_ADMIN):
        skip('no_new_privs: a full root records without it', 'not root with CAP_SYS_ADMIN')
    else:
        p, ev = record(nnp_argv)
        check('no_new_privs: a full root records without it', p.returncode == 0 and p.stdout.split() == ['NoNewPrivs:', '0'],
              f'exit {p.returncode}: {p.stdout} {p.stderr}')
    capsh = shutil.which('capsh') or ('/usr/sbin/capsh' if os.path.exists('/usr/sbin/capsh') else None)
    if os.geteuid() != 0 or not capsh:
        skip('no_new_privs: root without CAP_SYS_ADMIN', 'needs root and capsh (libcap2-bin)')
    else:
        p = subprocess.run([capsh, '--drop=cap_sys_admin', '--', '-c', 'exec "$@"', 'sh', opt.syscribe, 'record', *ENGINE,
                            '-q', '-o', out, '--', *nnp_argv], capture_output=True, text=True, timeout=30)
        check('no_new_privs: root without CAP_SYS_ADMIN sets it and records',
              p.returncode == 0 and p.stdout.split() == ['NoNewPrivs:', '1'] and os.path.exists(out),
              f'exit {p.returncode}: {p.stdout} {p.stderr}')

if selected('exitkill'):
    rec = subprocess.Popen([opt.syscribe, 'record', *ENGINE, '-q', '-o', os.path.join(TMP, 'k.json'), '--', prog('forker')],
                           stdout=subprocess.PIPE, text=True)
    pids = [int(rec.stdout.readline()) for _ in range(3)]
    rec.kill()
    rec.wait()
    deadline = time.time() + 5
    while time.time() < deadline and any(state(p) not in (None, 'Z') for p in pids):
        time.sleep(0.05)
    left = {p: state(p) for p in pids if state(p) not in (None, 'Z')}
    check('exitkill: kill -9 of the recorder leaves no workload process', not left, str(left))

if selected('attach'):
    target = subprocess.Popen([prog('spin')])
    time.sleep(0.1)
    out = os.path.join(TMP, 'attach.json')
    rec = subprocess.Popen([opt.syscribe, 'record', *ENGINE, '-q', '-o', out, '-p', str(target.pid)],
                           stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    traced = tracer_of(target.pid) == rec.pid
    rec.send_signal(signal.SIGINT)
    rc = rec.wait(timeout=10)
    time.sleep(0.1)
    alive = target.poll() is None and state(target.pid) in ('R', 'S')
    check('attach: target traced while recording', traced)
    check('attach: SIGINT detaches, exit 0, target keeps running untraced',
          rc == 0 and alive and tracer_of(target.pid) == 0, f'rc={rc} state={state(target.pid)} {rec.stderr.read()}')
    ev = json.load(open(out)) if os.path.exists(out) else {'processes': [], 'recordings': [{}]}
    calls, _ = evidence_sets(ev)
    check('attach: getppid recorded in ptrace-syscall mode',
          (NATIVE, 'getppid') in calls.get(os.path.realpath(prog('spin')), set())
          and ev['recordings'][0].get('mode') == 'ptrace-syscall', str(calls))
    target.kill()
    target.wait()

if selected('checkpoint'):
    out = os.path.join(TMP, 'cp.json')
    rec = subprocess.Popen([opt.syscribe, 'record', *ENGINE, '-q', '--checkpoint', '0.2', '-o', out, '--', prog('spin')])
    deadline = time.time() + 5
    while time.time() < deadline and not os.path.exists(out):
        time.sleep(0.05)
    time.sleep(0.3)
    rec.kill()
    rec.wait()
    ev = json.load(open(out)) if os.path.exists(out) else None
    calls = evidence_sets(ev)[0] if ev else {}
    check('checkpoint: a recorder killed with -9 leaves its last checkpoint',
          ev is not None and (NATIVE, 'getppid') in calls.get(os.path.realpath(prog('spin')), set()), str(calls))

if selected('mark'):
    out = os.path.join(TMP, 'mark.json')
    sock = os.path.join(TMP, 'control.sock')
    rec = subprocess.Popen([opt.syscribe, 'record', *ENGINE, '-q', '--control', sock, '-o', out, '--', prog('spin')])
    deadline = time.time() + 5
    while time.time() < deadline and not os.path.exists(sock):
        time.sleep(0.02)
    time.sleep(0.2)
    m = subprocess.run([opt.syscribe, 'mark', '--control', sock, 'serving'], capture_output=True, text=True)
    time.sleep(0.2)
    rec.send_signal(signal.SIGTERM)  # passed on to the workload, which dies of it
    rc = rec.wait(timeout=10)
    ev = json.load(open(out)) if os.path.exists(out) else {'processes': [], 'recordings': [{}]}
    marks = [(x['phase'], x['source']) for x in ev['recordings'][0].get('marks', [])]
    phases = {}
    for pr in ev['processes']:
        if pr['exe'] == os.path.realpath(prog('spin')):
            phases = {ph: set(m.get(NATIVE, {})) for ph, m in pr['phases'].items()}
    check('mark: syscribe mark switches the running recording\'s phase',
          m.returncode == 0 and rc == 128 + signal.SIGTERM and ('serving', 'mark') in marks
          and 'getppid' in phases.get('run', set()) and 'getppid' in phases.get('serving', set())
          and 'execve' in phases.get('run', set()) and 'execve' not in phases.get('serving', set()),
          f'mark rc={m.returncode} {m.stderr.strip()} rc={rc} marks={marks} phases={ {k: len(v) for k, v in phases.items()} }')
    m = subprocess.run([opt.syscribe, 'mark', '--control', sock, 'later'], capture_output=True, text=True)
    check('mark: no recording gives exit 1 and says so', m.returncode == 1 and 'no recording' in m.stderr,
          f'{m.returncode} {m.stderr}')

if selected('stacks'):
    # record --stacks: the first call of each high-risk syscall keeps its stack, naming the
    # library function that made it and the program's own frames; low-risk calls keep none.
    risky = os.path.realpath(prog('risky'))
    p, ev = record([risky], extra=('--stacks',))
    stacks = {}
    for pr in (ev or {}).get('processes', []):
        if pr['exe'] == risky:
            for m in pr['phases'].values():
                for name, st in m.get(NATIVE, {}).items():
                    if 'stack' in st:
                        stacks[name] = st['stack']
    for name in ('mount', 'unshare'):
        frames = stacks.get(name, [])
        check(f'stacks: {name} attributed to the library function that called it',
              len(frames) >= 3 and frames[0].startswith(f'{name} (') and 'libc.so' in frames[0]
              and frames[1].startswith('tp_risky_prepare_sandbox (') and frames[1].endswith('libtp_risky.so)')
              and frames[2] == f'start_service ({risky})' and any(f.startswith('main (') for f in frames),
              str(frames))
    check('stacks: none for low-risk syscalls', set(stacks) == {'mount', 'unshare'}, str(sorted(stacks)))
    p, ev = record([risky])
    has = any('stack' in st for pr in (ev or {}).get('processes', []) for m in pr['phases'].values()
              for calls in m.values() for st in calls.values())
    check('stacks: none without --stacks', ev is not None and not has)

if selected('known-values'):
    # Argument-sensitive syscalls under --known: a call whose recorded values are a known tuple
    # runs without a stop (it is not counted again), the same syscall with a new value (or a
    # new combination of known values) stops and is recorded, and the program still works.
    kv = prog('known_values')
    base = os.path.join(TMP, 'known-values-base.json')
    p = subprocess.run([opt.syscribe, 'record', *ENGINE, '-q', '-o', base, '--', kv, 'base'],
                       capture_output=True, text=True, timeout=30)
    check('known-values: base recording', p.returncode == 0 and 'ok' in p.stdout, p.stdout + p.stderr)
    base_ev = json.load(open(base))
    p, ev = record([kv, 'more'], extra=('--known', base))
    check('known-values: the program works under --known', p.returncode == 0 and p.stdout.strip() == 'ok',
          f'{p.returncode} {p.stdout} {p.stderr}')
    ev = ev or {'processes': [], 'recordings': [{}]}
    old, new = value_keys(base_ev), value_keys(ev)
    recounted = {k: sorted(new[k] & old[k]) for k in new if new[k] & old.get(k, set())}
    check('known-values: no known tuple was recorded again (each ran without a stop)', not recounted, str(recounted))
    want = {(NATIVE, 'socket'): {'domain=0x2,type=0x2,protocol=0x0'},
            (NATIVE, 'setsockopt'): {'level=0x1,optname=0x9'},
            (NATIVE, 'fcntl'): {'cmd=0x1'}}
    got = {k: new.get(k, set()) for k in want}
    check('known-values: new values and new combinations of known values were recorded, nothing else of them',
          got == want, f'{got} != {want}')
    check('known-values: a new mmap prot was recorded', 'prot=0x2' in new.get((NATIVE, 'mmap'), set()),
          str(new.get((NATIVE, 'mmap'))))
    fcntl = [st for pr in ev['processes'] for ph in pr['phases'].values()
             for name, st in ph.get(NATIVE, {}).items() if name == 'fcntl']
    check('known-values: fcntl with garbage above its int cmd counted as the known cmd (not recorded)',
          [st['count'] for st in fcntl] == [1], str(fcntl))
    kt = ev['recordings'][0].get('known_tuples', {}).get(NATIVE, {})
    check('known-values: the recording lists the known tuples',
          old[(NATIVE, 'socket')] <= set(kt.get('socket', [])) and 'cmd=0x3' in kt.get('fcntl', []),
          json.dumps(kt))
    # The incremental evidence alone gives the profile both recordings give together.
    both = os.path.join(TMP, 'known-values-both.json')
    again = os.path.join(TMP, 'known-values-more.json')
    shutil.copy(os.path.join(TMP, 'ev.json'), again)
    subprocess.run([opt.syscribe, 'merge', base, again, '-o', both], check=True, capture_output=True)
    profiles = []
    for src in (again, both):
        out = src + '.profile.json'
        subprocess.run([opt.syscribe, 'generate', '-q', src, '-o', out], check=True)
        profiles.append(json.load(open(out)))
    check('known-values: generate on the incremental evidence alone gives the merged profile',
          profiles[0] == profiles[1], f'{json.dumps(profiles[0])[:400]} != {json.dumps(profiles[1])[:400]}')
    # The same run again under its own evidence: only what BPF cannot compare stops.
    p, ev = record([kv, 'base'], extra=('--known', base))
    counted = {f'{a}:{n}': st['count'] for pr in (ev or {'processes': []})['processes']
               for ph in pr['phases'].values() for a, m in ph.items() for n, st in m.items()}
    check('known-values: a known run stops only on execve (its path is a string)',
          p.returncode == 0 and counted == {f'{NATIVE}:execve': 1}, f'{p.returncode} {counted}')

if selected('known'):
    # Incremental recording: what `empty` did runs without stopping when `files` is
    # recorded with --known; only new behaviour (new syscalls, new argument values, and what
    # BPF cannot compare: execve's path) is counted.
    base = os.path.join(TMP, 'known-base.json')
    subprocess.run([opt.syscribe, 'record', *ENGINE, '-q', '-o', base, '--', prog('empty')], check=True)
    expect_new = {'renameat', 'unlinkat', 'mkdirat', 'pipe2', 'dup3'}
    for label, known_file in (('evidence', base), ('profile', os.path.join(TMP, 'known-base.prof.json'))):
        if label == 'profile':
            subprocess.run([opt.syscribe, 'generate', '-q', base, '-o', known_file], check=True)
        p, ev = record([prog('files'), TMP], extra=('--known', known_file))
        if ev is None:
            check(f'known ({label}): evidence written', False, p.stderr)
            continue
        calls, _ = evidence_sets(ev)
        got = {n for c in calls.values() for a, n in c}
        known = set(ev['recordings'][0].get('known', []))
        check(f'known ({label}): new syscalls recorded', expect_new <= got, f'missing {sorted(expect_new - got)}')
        check(f'known ({label}): known syscalls ran without stopping, listed as known',
              {'brk', 'arch_prctl'} <= known and not (known & got), f'known {sorted(known)}; counted {sorted(got)}')
        check(f'known ({label}): argument-sensitive calls still stop (unless their values are known)',
              'execve' in got and 'execve' not in known, f'counted {sorted(got)}')
        if label == 'evidence':
            old, new = value_keys(json.load(open(base))), value_keys(ev)
            recounted = {k: sorted(new[k] & old[k]) for k in new if new[k] & old.get(k, set())}
            check('known (evidence): no value the evidence knew was recorded again', not recounted, str(recounted))
    p = subprocess.run([opt.syscribe, 'record', *ENGINE, '--known', base, '-p', '1'], capture_output=True, text=True)
    check('known: with -p, a usage error', p.returncode == 2 and '--known' in p.stderr, f'{p.returncode} {p.stderr}')
    bad = os.path.join(TMP, 'bad-known.json')
    with open(bad, 'w') as f:
        f.write('{"processes": [}')
    p = subprocess.run([opt.syscribe, 'record', *ENGINE, '--known', bad, '--', prog('empty')], capture_output=True, text=True)
    check('known: malformed file, one line naming it', p.returncode != 0 and bad in p.stderr and
          p.stderr.count('\n') == 1, f'{p.returncode} {p.stderr}')

finish('all tracer tests passed')
