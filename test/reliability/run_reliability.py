#!/usr/bin/env python3
"""Reliability of `syscribe record` under odd workloads and faults of the recorder itself.

Each case records a workload to completion and checks: the exit status is the
workload's, the evidence is complete and valid, and no process of the case is left
behind (alive, stopped or traced). Prints one line per case; exits 1 on any failure.
Usage: run_reliability.py --syscribe PATH --progs DIR [--only SUBSTRING]
"""
import argparse, functools, json, os, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'pylib'))
from syscribe_test import check, finish, skip, state  # noqa: E402
import syscribe_test as t  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument('--syscribe', required=True)
ap.add_argument('--progs', required=True)
ap.add_argument('--only')
opt = ap.parse_args()
TMP = tempfile.mkdtemp(prefix='syscribe-reliability-')
prog = functools.partial(t.prog, opt.progs, 'rp_')


def no_leftovers(case):
    """No process running one of our programs outlives CASE (checked, and killed if so)."""
    return t.no_leftovers(case, prog(""))


def load(path):
    with open(path) as f:
        return json.load(f)


def calls_of(ev, exe_suffix):
    out = {}
    for p in ev['processes']:
        if p['exe'].endswith(exe_suffix):
            for phase in p['phases'].values():
                for arch, m in phase.items():
                    for name, st in m.items():
                        out[name] = out.get(name, 0) + st['count']
    return out


def instances(ev, exe_suffix):
    return sum(p['instances'] for p in ev['processes'] if p['exe'].endswith(exe_suffix))


def record(case, argv, extra=(), timeout=60, expect=0):
    out = os.path.join(TMP, case.replace(' ', '_') + '.json')
    p, ev = t.record(opt.syscribe, out, argv, extra, timeout)
    check(case + f': exit status {expect}', p.returncode == expect, f'got {p.returncode}; stderr: {p.stderr[-300:]}')
    if ev is None:
        check(case + ': evidence written', False, f'{out} is missing or not JSON')
    no_leftovers(case)
    return p, ev


def wanted(name):
    return not opt.only or opt.only in name


def case_forkbomb():
    p, ev = record('fork bomb of 2047 processes', [prog('forkbomb'), '11'], timeout=120)
    if ev:
        n = instances(ev, '/rp_forkbomb')
        check('fork bomb: every process recorded', n == 2047, f'{n} instances')
        c = calls_of(ev, '/rp_forkbomb')
        check('fork bomb: forks and waits counted', c.get('clone', 0) + c.get('fork', 0) >= 2046 and
              c.get('wait4', 0) >= 2046, str({k: c.get(k) for k in ('clone', 'fork', 'wait4')}))


def case_threads():
    p, ev = record('200 threads', [prog('threads200')])
    if ev:
        c = calls_of(ev, '/rp_threads200')
        check('200 threads: every thread\'s getppid seen', c.get('getppid', 0) == 200, str(c.get('getppid')))
        check('200 threads: output intact', p.stdout.strip() == 'joined 200', p.stdout)


def case_signals():
    p, ev = record('ignored and blocked signals', [prog('sigignore')])
    check('ignored and blocked signals: same behaviour as untraced', p.stdout.strip() == 'pending USR1=1', p.stdout)


def case_selfstop():
    out = os.path.join(TMP, 'selfstop.json')
    proc = subprocess.Popen([opt.syscribe, 'record', '-q', '-o', out, '--', prog('selfstop')],
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    pid = int(line.split()[1])
    time.sleep(0.3)
    st = state(pid)
    check('self-stop: the workload is stopped, not running', st in ('T', 't'), f'state {st}')
    os.kill(pid, signal.SIGCONT)
    rest, _ = proc.communicate(timeout=20)
    check('self-stop: continued by SIGCONT and exited 0', proc.returncode == 0 and 'continued' in rest,
          f'exit {proc.returncode}, output {rest!r}')
    no_leftovers('self-stop')


def case_nested_ptrace():
    p, ev = record('nested ptrace', [prog('nested_ptrace')], timeout=20)
    s = subprocess.run(['strace', '-f', '-qq', '-o', '/dev/null', prog('nested_ptrace')],
                       capture_output=True, text=True, timeout=20)
    check('nested ptrace: fails as under strace -f', p.stdout.strip() == s.stdout.strip() and
          'errno=1' in p.stdout, f'syscribe {p.stdout!r}, strace {s.stdout!r}')


def case_own_seccomp():
    p, ev = record('own seccomp filter', [prog('own_seccomp')])
    check('own seccomp filter: its verdicts stand', 'getppid=-1 errno=1 getpid_ok=1' in p.stdout, p.stdout)
    if ev:
        c = calls_of(ev, '/rp_own_seccomp')
        check('own seccomp filter: its installation is recorded', c.get('prctl', 0) + c.get('seccomp', 0) >= 1, str(c))


def case_exit_midsyscall():
    record('exit while threads are in syscalls', [prog('exit_midsyscall')], expect=3)


def case_static():
    p, ev = record('static binary', [prog('static_hello')])
    if ev:
        c = calls_of(ev, '/rp_static_hello')
        check('static binary: its calls recorded', c.get('write', 0) == 1 and c.get('getppid', 0) == 1, str(c))


def case_recorder_signals():
    for sig, expect in ((signal.SIGTERM, 143), (signal.SIGINT, 130), (signal.SIGHUP, 129)):
        name = f'{signal.Signals(sig).name} to the recorder'
        out = os.path.join(TMP, f'sig{sig}.json')
        proc = subprocess.Popen([opt.syscribe, 'record', '-q', '-o', out, '--', prog('sleeper'), '30'])
        time.sleep(0.5)
        proc.send_signal(sig)
        try:
            rc = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = 'hung'
        check(f'{name}: reaches the workload, which dies of it', rc == expect, f'exit {rc}')
        try:
            ev = load(out)
            c = calls_of(ev, '/rp_sleeper')
            check(f'{name}: evidence flushed and complete', c.get('clock_nanosleep', 0) + c.get('nanosleep', 0) > 3
                  and ev['recordings'][0]['exit_status'] == expect, str(c))
        except (OSError, ValueError) as e:
            check(f'{name}: evidence flushed', False, str(e))
        no_leftovers(name)


def case_recorder_sigkill():
    out = os.path.join(TMP, 'killed.json')
    proc = subprocess.Popen([opt.syscribe, 'record', '-q', '--checkpoint', '0.2', '-o', out, '--',
                             prog('sleeper'), '30'])
    time.sleep(1.0)
    proc.kill()
    proc.wait()
    no_leftovers('SIGKILL to the recorder: the workload dies with it')
    try:
        ev = load(out)
        check('SIGKILL to the recorder: last checkpoint is valid evidence',
              ev.get('format') == 'syscribe-evidence' and calls_of(ev, '/rp_sleeper'), 'no calls')
    except (OSError, ValueError) as e:
        check('SIGKILL to the recorder: last checkpoint is valid evidence', False, str(e))
    m = subprocess.run([opt.syscribe, 'merge', out, '-o', os.path.join(TMP, 'm.json')], capture_output=True, text=True)
    check('SIGKILL to the recorder: the checkpoint passes syscribe merge', m.returncode == 0, m.stderr)


def case_full_disk():
    mnt = os.path.join(TMP, 'small')
    os.mkdir(mnt)
    if subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt]).returncode != 0:
        skip('full disk', 'cannot mount a tmpfs here')
        return
    try:
        out = os.path.join(mnt, 'ev.json')
        proc = subprocess.Popen([opt.syscribe, 'record', '-q', '--checkpoint', '0.2', '-o', out, '--',
                                 prog('sleeper'), '2'], stderr=subprocess.PIPE, text=True)
        for _ in range(100):
            if os.path.exists(out):
                break
            time.sleep(0.05)
        time.sleep(0.3)
        before = open(out).read()
        subprocess.run(['dd', 'if=/dev/zero', f'of={mnt}/filler', 'bs=4k'], capture_output=True)
        _, err = proc.communicate(timeout=30)
        check('full disk at the end: exit non-zero with a clear error', proc.returncode not in (0, None) and
              'No space left on device' in err and out in err, f'exit {proc.returncode}, stderr {err!r}')
        after = open(out).read()
        json.loads(after)
        check('full disk at the end: the last checkpoint is kept whole', len(after) >= len(before) // 2, '')
        check('full disk at the end: no temporary file left', [f for f in os.listdir(mnt) if '.tmp' in f] == [],
              str(os.listdir(mnt)))
    finally:
        subprocess.run(['umount', mnt])


CASES = [case_forkbomb, case_threads, case_signals, case_selfstop, case_nested_ptrace, case_own_seccomp,
         case_exit_midsyscall, case_static, case_recorder_signals, case_recorder_sigkill, case_full_disk]
for c in CASES:
    if wanted(c.__name__):
        c()
finish('all reliability cases passed')
