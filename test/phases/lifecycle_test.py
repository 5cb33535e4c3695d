#!/usr/bin/env python3
"""How a driven recording ends when the workload or the recorder does not follow the plan:
the workload exits before it is ready or during the traffic, the recorder is stopped or
killed during the traffic, a workload takes its signals through a signalfd; plus the
control socket, --ready file: with a stale file, and the lifecycle usage errors.
Every case waits for conditions (files, exits), never for a duration; the only timings
asserted are generous upper bounds.
Usage: lifecycle_test.py SYSCRIBE SIGFD_SERVER"""
import json, os, signal, socket, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'pylib'))
from syscribe_test import check, completed, finish, free_port, phase_calls, procs_running, wait_for  # noqa: E402

S, SIGFD = sys.argv[1:3]
T = tempfile.mkdtemp(prefix='syscribe-lifecycle-')
# Traffic commands sleep for a time no other run of this test uses: leftovers are found by argv.
MARK = os.getpid()


def serve(name, before=''):
    """A workload that runs until the stop signal (SIGTERM), ignoring the reload signal, and
    the --ready that holds once its traps are set: (ready, argv)."""
    up = os.path.join(T, name + '.up')
    return f'file:{up}', ['sh', '-c', f'trap "" HUP; trap "exit 0" TERM; {before}touch {up}; while :; do sleep 0.05; done']


def path(name):
    return os.path.join(T, name)


def record(*args, timeout=60):
    """syscribe record ARGS; returncode None when it did not end within TIMEOUT seconds."""
    return completed(S, 'record', *args, timeout=timeout)


def evidence(file):
    try:
        with open(file) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def marks(ev):
    return [(m['phase'], m['source']) for m in ev['recordings'][0]['marks']] if ev else []


# 1, 4. The workload exits while the traffic runs (with each kind of readiness): a clear
# failure, exit 1, the evidence written, and the traffic command ended with it.
readies = {
    'delay': ('delay:0.1', []),
    'file': (f'file:{path("w.ready")}', ['touch', path('w.ready')]),
    'log': ('log:^up$', ['echo', 'up']),
}
for kind, (ready, announce) in readies.items():
    out = path(f'early-{kind}.json')
    sleeper = ['sleep', f'{MARK}1.{len(kind)}']
    started = path(f'traffic-{kind}')
    workload = f'{" ".join(announce) or "true"}; while [ ! -e {started} ]; do sleep 0.02; done; exit 0'
    t0 = time.monotonic()
    p = record('-q', '-o', out, '--ready', ready, '--traffic', f'touch {started}; exec {" ".join(sleeper)}',
               '--reload', '--', 'sh', '-c', workload)
    took = time.monotonic() - t0
    left = procs_running(sleeper)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    check(f'--ready {kind}: the workload exits during the traffic: exit 1 saying so, evidence written',
          p.returncode == 1 and 'the workload exited (status 0) while the traffic command was running' in p.stderr
          and evidence(out) is not None, f'exit {p.returncode}: {p.stderr}')
    check(f'--ready {kind}: the traffic command ended with the workload', not left and took < 45,
          f'left {left}, took {took:.1f} s')

# 2. The workload exits 0 before it is ready.
out = path('before-ready.json')
p = record('-q', '-o', out, '--ready', f'tcp:127.0.0.1:{free_port()}', '--traffic', 'echo T', '--reload', '--',
           'sh', '-c', 'exit 0')
check('exits 0 before ready: exit 1 saying so, evidence written',
      p.returncode == 1 and 'the workload exited (status 0) before it was ready' in p.stderr and 'T\n' not in p.stdout
      and evidence(out) is not None, f'exit {p.returncode}: {p.stdout!r} {p.stderr}')
prof = path('exit0.prof.json')
subprocess.run([S, 'generate', '-q', out, '-o', prof], check=True)
p = subprocess.run([S, 'run', '-q', '--profile', prof, '--ready', f'tcp:127.0.0.1:{free_port()}', '--traffic',
                    'echo T', '--', 'sh', '-c', 'exit 0'], capture_output=True, text=True, timeout=60)
check('run: exits 0 before ready: exit 1 saying so',
      p.returncode == 1 and 'the workload exited (status 0) before it was ready' in p.stderr,
      f'exit {p.returncode}: {p.stderr}')

# 1, 4. SIGTERM, then SIGKILL, to the recorder during the traffic: the traffic command ends too.
for sig in (signal.SIGTERM, signal.SIGKILL):
    out = path(f'stopped-{sig.name}.json')
    started = path(f'traffic-{sig.name}')
    sleeper = ['sleep', f'{MARK}2.{int(sig)}']
    ready, workload = serve(sig.name)
    proc = subprocess.Popen([S, 'record', '-q', '-o', out, '--control', path(f'{sig.name}.sock'), '--ready', ready, '--traffic',
                             f'touch {started}; exec {" ".join(sleeper)}', '--', *workload],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    up = wait_for(lambda: os.path.exists(started) and procs_running(sleeper), 30)
    proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=45)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    gone = wait_for(lambda: not procs_running(sleeper), 15)
    for pid in procs_running(sleeper):
        os.kill(pid, signal.SIGKILL)
    check(f'{sig.name} to the recorder during the traffic: the traffic command ends too', up and gone,
          f'traffic started {up}, left {procs_running(sleeper)}')
    if sig == signal.SIGTERM:
        check('SIGTERM to the recorder during the traffic: exit 1 saying so, evidence written',
              proc.returncode == 1 and 'while the traffic command was running' in err and evidence(out) is not None,
              f'exit {proc.returncode}: {err}')

# 3. A workload reading its signals from a signalfd: reload and shutdown are marked when
# syscribe sends the signals, once each.
out = path('sigfd.json')
p = record('-q', '-o', out, '--ready', 'syscall:getppid', '--traffic', 'true', '--reload', '--', SIGFD)
ev = evidence(out)
calls = phase_calls(ev)
check('signalfd workload: the lifecycle succeeds', p.returncode == 0, f'exit {p.returncode}: {p.stderr}')
check('signalfd workload: reload and shutdown marked once each, when sent',
      marks(ev)[1:] == [('serving', 'ready syscall:getppid'), ('reload', 'sent SIGHUP'), ('shutdown', 'sent SIGTERM')],
      str(marks(ev)))
check('signalfd workload: the reload path in reload, the shutdown path in shutdown',
      'getppid' in calls.get('reload', set()) and 'umask' in calls.get('shutdown', set()), str(calls))

# 7. --ready file: with a stale file: ready only once the workload rewrites it.
stale = path('stale.pid')
with open(stale, 'w') as f:
    f.write('stale pid file\n')
out = path('stale.json')
p = record('-q', '-o', out, '--ready', f'file:{stale}', '--ready-timeout', '1', '--traffic', 'true', '--',
           *serve('stale1')[1])
check('--ready file: a stale file that stays is not readiness (timeout)',
      p.returncode == 1 and f'not ready (file:{stale}) within 1 s' in p.stderr, f'exit {p.returncode}: {p.stderr}')
p = record('-q', '-o', out, '--ready', f'file:{stale}', '--traffic', 'true', '--',
           *serve('stale2', f'echo $$ > {stale}; ')[1])
check('--ready file: the stale file rewritten by the workload is readiness',
      p.returncode == 0 and [m[0] for m in marks(evidence(out))][:2] == ['startup', 'serving'],
      f'exit {p.returncode}: {p.stderr} {marks(evidence(out))}')

# 5, 6. The control socket: announced, never steals or deletes what is not a stale socket.
sock = path('ctl.sock')
stop = path('ctl.stop')
a = subprocess.Popen([S, 'record', '-o', path('ctl-a.json'), '--control', sock, '--', 'sh', '-c',
                      f'while [ ! -e {stop} ]; do sleep 0.02; done'],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
check("control socket up", wait_for(lambda: os.path.exists(sock), 30), sock)
p = record('-q', '-o', path('ctl-b.json'), '--control', sock, '--', 'touch', path('launched-b'))
check('--control on a live recording\'s socket: exit 2, one line, nothing launched',
      p.returncode == 2 and p.stderr.count('\n') == 1 and 'another recording is listening' in p.stderr and
      not os.path.exists(path('launched-b')), f'exit {p.returncode}: {p.stderr}')
m = subprocess.run([S, 'mark', '--control', sock, 'after-b'], capture_output=True, text=True)
check('the first recording still answers marks', m.returncode == 0, m.stderr)
open(stop, 'w').close()
_, err = a.communicate(timeout=60)
check('record announces its control socket and how to mark',
      a.returncode == 0 and f'control socket {sock} (syscribe mark --control {sock} PHASE)' in err, err)
check('the mark is kept', ('after-b', 'mark') in marks(evidence(path('ctl-a.json'))), str(marks(evidence(path('ctl-a.json')))))
regular = path('regular-file')
with open(regular, 'w') as f:
    f.write('keep me\n')
p = record('-q', '-o', path('ctl-c.json'), '--control', regular, '--', 'true')
check('--control on a regular file: exit 2, one line, the file kept',
      p.returncode == 2 and p.stderr.count('\n') == 1 and 'is not a socket' in p.stderr and
      open(regular).read() == 'keep me\n', f'exit {p.returncode}: {p.stderr}')
dead = socket.socket(socket.AF_UNIX)
dead.bind(path('stale.sock'))
dead.close()
p = record('-q', '-o', path('ctl-d.json'), '--control', path('stale.sock'), '--', 'true')
check('--control on a stale socket: replaced', p.returncode == 0, f'exit {p.returncode}: {p.stderr}')
p = record('-o', path('ctl-e.json'), '-q', '--', 'true')
check('-q: no control socket line', p.returncode == 0 and 'control socket' not in p.stderr,
      f'exit {p.returncode}: {p.stderr}')

# 8, 9. Usage errors: exit 2, one line, nothing launched.
launched = path('launched')
for args in (['--ready', 'tcp:127.0.0.1:99999'], ['--ready', 'tcp:127.0.0.1:abc'], ['--ready', 'tcp:127.0.0.1:0'],
             ['--ready', 'delay:1', '--ready-timeout', '0'], ['--ready', 'delay:1', '--ready-timeout=-1'],
             ['--stop-timeout=-1', '--traffic', 'true'], ['--traffic', 'true', '--reload-traffic', 'true'],
             ['-o', '-']):
    p = record(*args, '--', 'touch', launched)
    check(f'usage error: {" ".join(args)}', p.returncode == 2 and p.stderr.count('\n') == 1 and
          not os.path.exists(launched), f'exit {p.returncode}: {p.stderr}')
# The traffic waits until the workload's traps are set (no --ready to wait for it).
ready, workload = serve('noready')
p = record('-o', path('traffic-noready.json'), '--traffic', f'while [ ! -e {ready[5:]} ]; do sleep 0.02; done', '--',
           *workload)
check('--traffic without --ready: a warning, the lifecycle runs',
      p.returncode == 0 and 'warning: --traffic without --ready' in p.stderr, f'exit {p.returncode}: {p.stderr}')
ready, workload = serve('noready-q')
p = record('-q', '-o', path('traffic-noready.json'), '--traffic', f'while [ ! -e {ready[5:]} ]; do sleep 0.02; done',
           '--', *workload)
check('--traffic without --ready, -q: no warning', p.returncode == 0 and p.stderr == '', f'exit {p.returncode}: {p.stderr}')

# 10. Messages.
ready, workload = serve('killed')
p = record('-q', '-o', path('killed.json'), '--ready', ready, '--traffic', 'kill -KILL $$', '--', *workload)
check('traffic killed by a signal: named', p.returncode == 1 and
      'the traffic command failed (killed by SIGKILL)' in p.stderr, f'exit {p.returncode}: {p.stderr}')
ready, workload = serve('reload-fail')
p = record('-q', '-o', path('reload-fail.json'), '--ready', ready, '--traffic', 'true', '--reload',
           '--reload-traffic', 'exit 4', '--', *workload)
check('reload traffic failing: named', p.returncode == 1 and
      'the reload traffic command failed (exit status 4)' in p.stderr, f'exit {p.returncode}: {p.stderr}')
p = subprocess.run([S, 'mark', '--control', sock, 'x' * 5000], capture_output=True, text=True)
check('mark with a 5000-character name: exit 2, a short line saying too long',
      p.returncode == 2 and 'too long' in p.stderr and len(p.stderr) < 200, f'exit {p.returncode}: {p.stderr[:300]}')

# The stop signal sent right after launch (no --ready, a traffic command that ends at once)
# may reach the workload before its exec: it must act there, not be taken by the recorder's
# handlers copied into the child and lost (the workload would then live until SIGKILL).
late = []
for i in range(20):
    p = record('-q', '-o', path(f'early-stop-{i}.json'), '--traffic', 'true', '--stop-timeout', '30', '--', 'sleep', '30')
    if p.returncode != 0 or 'did not stop' in p.stderr:
        late.append(f'{i}: exit {p.returncode}: {p.stderr.strip()}')
check('a stop signal sent before the workload runs its command still stops it', not late, '; '.join(late[:3]))

finish('all lifecycle cases passed')
