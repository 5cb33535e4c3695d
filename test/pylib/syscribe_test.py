"""Helpers shared by syscribe's Python test suites: checks that count failures and skips, the
exit status meson reads (0 pass, 1 fail, 77 skip), running syscribe and the test programs,
recording, reading evidence by phase, and scanning /proc for processes a test left behind.

A suite imports it with
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'pylib'))
    import syscribe_test as t
and ends with t.finish(): a suite in which something was skipped and nothing failed exits 77,
so meson reports it as skipped rather than passed."""
import json
import os
import signal
import socket
import subprocess
import sys
import time

failures = []
skipped = []


def check(what, ok, why=''):
    """Prints 'ok  WHAT' or 'FAIL WHAT: WHY' and counts a failure; returns ok. WHAT may carry
    the details itself: a passing check prints only its first line, cut at 100 characters."""
    if ok:
        first = what.splitlines()[0] if what else ''
        more = ' ...' if len(first) > 100 or len(what) > len(first) else ''
        print(f'ok   {first[:100]}{more}', flush=True)
    else:
        print(f"FAIL {what}{': ' + str(why) if why else ''}", flush=True)
    if not ok:
        failures.append(what)
    return bool(ok)


def skip(what, why):
    """A check that could not run here (no tool, no privilege): reported, and finish() exits 77."""
    print(f'skip {what}: {why}', flush=True)
    skipped.append(what)


def finish(done=''):
    """Exits 1 when a check failed, 77 when one was skipped, 0 otherwise; says which."""
    if failures:
        print(f'{len(failures)} failed: ' + '; '.join(failures), flush=True)
        sys.exit(1)
    if skipped:
        print(f'{len(skipped)} skipped: ' + '; '.join(skipped), flush=True)
        sys.exit(77)
    if done:
        print(done, flush=True)
    sys.exit(0)


def run(exe, *args, timeout=60, **kw):
    """Runs EXE ARGS; returns (exit status, stdout, stderr) as text."""
    p = subprocess.run([exe, *args], capture_output=True, text=True, timeout=timeout, **kw)
    return p.returncode, p.stdout, p.stderr


def completed(exe, *args, timeout=60, **kw):
    """Runs EXE ARGS; returns the CompletedProcess (text). One that did not end within TIMEOUT
    seconds is killed and returned with returncode None and a note as its stderr."""
    try:
        return subprocess.run([exe, *args], capture_output=True, text=True, timeout=timeout, **kw)
    except subprocess.TimeoutExpired as e:
        return subprocess.CompletedProcess(e.cmd, None, '', f'(no exit within {timeout} s)')


def prog(directory, prefix, name):
    """A built test program: DIRECTORY/PREFIXNAME (tp_, rp_, ...)."""
    return os.path.join(directory, prefix + name)


def record(syscribe, out, argv, extra=(), timeout=60):
    """syscribe record -q -o OUT EXTRA -- ARGV; returns (CompletedProcess, evidence or None)."""
    if os.path.exists(out):
        os.unlink(out)
    p = subprocess.run([syscribe, 'record', '-q', '-o', out, *extra, '--', *argv], capture_output=True, text=True,
                       timeout=timeout)
    try:
        with open(out) as f:
            ev = json.load(f)
    except (OSError, ValueError):
        ev = None
    return p, ev


def phase_calls(ev):
    """{phase: set of syscall names} over every process and arch of evidence EV; {} for None."""
    out = {}
    for p in ev['processes'] if ev else []:
        for phase, arches in p['phases'].items():
            for m in arches.values():
                out.setdefault(phase, set()).update(m)
    return out


def state(pid):
    """The state letter of process PID in /proc (R, S, T, t, Z, ...); None when it is gone."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0]  # "PID (COMM) STATE ...": COMM may hold ')'
    except (OSError, IndexError):
        return None


def leftovers(exe_prefix):
    """Processes (not zombies) whose executable starts with EXE_PREFIX: 'PID NAME state S'."""
    found = []
    exe_prefix = os.path.realpath(os.path.dirname(exe_prefix)) + '/' + os.path.basename(exe_prefix)
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            exe = os.readlink(f'/proc/{pid}/exe')
        except OSError:
            continue
        st = state(pid)
        if exe.startswith(exe_prefix) and st not in (None, 'Z'):
            found.append(f'{pid} {os.path.basename(exe)} state {st}')
    return found


def procs_running(argv):
    """Pids of live (not zombie) processes whose argv starts with the list ARGV."""
    found = []
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open(f'/proc/{pid}/cmdline', 'rb') as f:
                args = f.read().split(b'\0')
        except OSError:
            continue
        if [a.decode(errors='replace') for a in args[:len(argv)]] == argv and state(pid) not in (None, 'Z'):
            found.append(int(pid))
    return found


def no_leftovers(case, exe_prefix, wait=5.0):
    """Checks that nothing matching leftovers(EXE_PREFIX) outlives the case (waiting up to WAIT
    seconds); kills what is left."""
    end = time.monotonic() + wait
    while True:
        left = leftovers(exe_prefix)
        if not left or time.monotonic() > end:
            break
        time.sleep(0.1)
    check(case + ': nothing left behind', not left, '; '.join(left))
    for line in left:
        try:
            os.kill(int(line.split()[0]), signal.SIGKILL)
        except OSError:
            pass
    return not left


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def port_open(port, host='127.0.0.1'):
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def wait_for(cond, timeout=10.0, step=0.02):
    """Polls COND until it is true (returns True) or TIMEOUT seconds pass (returns COND's last
    answer, asked once more at the end)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(step)
    return bool(cond())
