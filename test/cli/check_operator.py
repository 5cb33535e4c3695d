#!/usr/bin/env python3
"""The operator's habits and safety nets, through the real binary: checkpoints that say they
are incomplete, commands that never hang, a terminal that stays readable, the help and
version habits, and clear refusals of the wrong kind of input.

Usage: check_operator.py SYSCRIBE EVIDENCE PROFILE DECISIONS

EVIDENCE is a valid evidence file, PROFILE a valid OCI profile and DECISIONS a review
decisions file (YAML). The recording cases need
ptrace; where the kernel refuses it they are skipped and the test says so.
"""
import functools
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'pylib'))
from syscribe_test import check, completed, finish  # noqa: E402

syscribe, evidence, profile, decisions = sys.argv[1:5]
tmp = tempfile.mkdtemp(prefix='syscribe-operator-')
# syscribe ARGS: the CompletedProcess; returncode None when it did not end in time.
run = functools.partial(completed, syscribe, timeout=30)


def path(name):
    return os.path.join(tmp, name)


# --- Checkpoints: the file a killed recorder leaves says it is incomplete. ---
cp = path('cp.evidence.json')
proc = subprocess.Popen([syscribe, 'record', '-q', '--checkpoint', '0.2', '-o', cp, '--', 'sleep', '30'],
                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
deadline = time.time() + 10
while time.time() < deadline and not os.path.exists(cp):
    time.sleep(0.1)
time.sleep(0.3)
proc.send_signal(signal.SIGKILL)
proc.wait()
check('record --checkpoint leaves a checkpoint', os.path.exists(cp), proc.stderr.read())
if os.path.exists(cp):
    rec = json.load(open(cp))['recordings'][0]
    check('a checkpoint says "complete": false', rec.get('complete') is False, json.dumps(rec))
    check('a checkpoint has no exit status', 'exit_status' not in rec, json.dumps(rec))
    m = run('merge', cp, evidence, '-o', path('merged.json'))
    check('merge reads a checkpoint and warns that it is incomplete',
          m.returncode == 0 and 'warning' in m.stderr and 'incomplete' in m.stderr, m.stderr)
    merged = json.load(open(path('merged.json')))
    check('the merged file keeps the recording incomplete',
          any(r.get('complete') is False for r in merged['recordings']), '')
    g = run('generate', cp, '-o', path('cp-profile.json'), '-q')
    check('generate warns on a checkpoint', 'incomplete' in g.stderr, g.stderr)
done = path('done.evidence.json')
r = run('record', '-q', '-o', done, '--', 'true')
if r.returncode == 0:
    rec = json.load(open(done))['recordings'][0]
    check('a finished recording has its exit status and no "complete"',
          rec.get('exit_status') == 0 and 'complete' not in rec, json.dumps(rec))
    g = run('generate', done, '-o', path('done-profile.json'), '-q')
    check('generate does not warn on a finished recording', 'incomplete' not in g.stderr, g.stderr)

# --- Nothing hangs: a traffic command that never ends is stopped and named. ---
permissive = path('permissive.json')
with open(permissive, 'w') as f:
    json.dump({'defaultAction': 'SCMP_ACT_LOG', 'architectures': ['SCMP_ARCH_X86_64'],
               'syscalls': [{'names': ['reboot'], 'action': 'SCMP_ACT_ERRNO'}]}, f)
for cmd in (['record', '-q', '-o', path('hang.json')], ['run', '-q', '--profile', permissive]):
    start = time.time()
    r = run(*cmd, '--ready', 'delay:0.1', '--traffic', 'trap "" TERM; sleep 60', '--traffic-timeout', '1',
            '--', 'sleep', '60', timeout=20)
    if r.returncode is None:
        check(f'{cmd[0]} --traffic-timeout 1 ends a traffic command that never ends', False, 'still waiting after 20 s')
        continue
    took = time.time() - start
    check(f'{cmd[0]} --traffic-timeout 1 ends a traffic command that ignores SIGTERM', took < 8, f'{took:.1f} s')
    check(f'{cmd[0]} --traffic-timeout: exit 1 naming the traffic command',
          r.returncode == 1 and 'sleep 60' in r.stderr and '--traffic-timeout' in r.stderr,
          f'exit {r.returncode}: {r.stderr}')
r = run('record', '--traffic-timeout', '-1', '--', 'true')
check('--traffic-timeout -1 is a usage error', r.returncode == 2 and '--traffic-timeout' in r.stderr, r.stderr)
r = run('record', '--help')
check('record --help documents --traffic-timeout with its default', '--traffic-timeout' in r.stdout and '300' in r.stdout, '')

# --- Command-line habits. ---
r, h = run('help', 'record'), run('record', '--help')
check("'syscribe help record' is record's help", r.returncode == 0 and r.stdout == h.stdout and '--traffic' in r.stdout,
      r.stdout[:200])
r = run('help', 'recrod')
check("'syscribe help recrod' fails suggesting record", r.returncode == 2 and "'record'" in r.stderr, r.stderr)
for spelling in ('version', '-v', '--version', '-V'):
    r = run(spelling)
    check(f"'syscribe {spelling}' prints the version", r.returncode == 0 and r.stdout.startswith('syscribe '), r.stderr)
for typo, meant in (('recrod', 'record'), ('genrate', 'generate'), ('gen', 'generate'), ('revew', 'review')):
    r = run(typo)
    check(f"'syscribe {typo}' suggests {meant}", r.returncode == 2 and f"did you mean '{meant}'" in r.stderr, r.stderr)
r = run('frobnicate')
check("'syscribe frobnicate' suggests nothing", r.returncode == 2 and 'did you mean' not in r.stderr, r.stderr)
for flag in ('-f', '-ff'):
    r = run('record', '-q', flag, '-o', path('f.json'), '--', 'true')
    check(f'record {flag} is accepted with a note that children are always followed',
          r.returncode == 0 and 'always followed' in r.stderr, f'exit {r.returncode}: {r.stderr}')
r = run('review', '--help')
check('review --help has an options block', r.returncode == 0 and 'Options' in r.stdout and '--runtime' in r.stdout
      and '--report' in r.stdout and '--output' in r.stdout, r.stdout)
r = run('record', '--help')
check('record --help has examples', 'Examples:' in r.stdout and '--traffic' in r.stdout.split('Examples:')[-1], '')

# --- record and run name the child that ignored the stop signal: its comm and pid. ---
# The main process dies of SIGTERM; its child ignores it and says its pid before it execs sleep.
stubborn_pid = path('stubborn.pid')
for cmd in (['record', '-q', '-o', path('stubborn.json')], ['run', '-q', '--profile', permissive]):
    if os.path.exists(stubborn_pid):
        os.unlink(stubborn_pid)
    r = run(*cmd, '--ready', 'delay:0.2', '--traffic', 'true', '--stop-timeout', '1', '--', 'sh', '-c',
            f'sh -c "echo \\$\\$ > {stubborn_pid}; trap \\"\\" TERM; exec sleep 27" & exec sleep 26', timeout=30)
    try:
        with open(stubborn_pid) as f:
            pid = int(f.read())
    except (OSError, ValueError):
        pid = None
    named = r.stderr.split('still running then: ', 1)[-1].split('\n')[0] if 'still running then: ' in r.stderr else ''
    check(f'{cmd[0]} names the child that ignored the stop signal, by comm and pid, and only it',
          r.returncode == 1 and pid is not None and named == f'sleep (pid {pid})', f'exit {r.returncode}, pid {pid}: {r.stderr}')

# --- generate --runtime docker: Docker uses runc. ---
r = run('generate', evidence, '--runtime', 'docker', '-o', path('docker.json'))
check('generate --runtime docker says Docker uses runc and adds its tail',
      r.returncode == 0 and 'Docker runs containers with runc' in r.stderr, f'exit {r.returncode}: {r.stderr}')
r = run('generate', '--help')
check('generate --help shows the podman/Docker option', '--security-opt seccomp=' in r.stdout, '')

# --- The wrong kind of input is named, in every command. ---
def refused(args, file, kind, want_exit=None):
    r = run(*args)
    label = 'syscribe ' + ' '.join(os.path.basename(a) for a in args)
    check(f'{label}: says {os.path.basename(file)} is {kind}',
          r.returncode != 0 and (want_exit is None or r.returncode == want_exit)
          and f'{file} is {kind}' in r.stderr and r.stderr.count('\n') == 1, f'exit {r.returncode}: {r.stderr}')


not_evidence = 'a seccomp profile, not evidence'
refused(['generate', profile, '-o', path('x.json')], profile, not_evidence)
refused(['merge', profile, '-o', path('x.json')], profile, not_evidence)
refused(['review', 'check', profile], profile, not_evidence)
refused(['review', 'init', profile, '-o', path('x.yaml')], profile, not_evidence)
refused(['run', '--profile', evidence, '--', 'true'], evidence, 'evidence, not a profile')
refused(['lint', evidence], evidence, 'evidence, not a profile')
refused(['k8s', evidence, '--name', 'x'], evidence, 'evidence, not a profile')
refused(['generate', evidence, '--review', profile, '-o', path('x.json')], profile, 'a seccomp profile, not a review decisions file')
# review check with its arguments swapped: the decisions as the operand, the evidence after --review.
refused(['review', 'check', '--review', evidence, decisions], evidence, 'evidence, not a review decisions file')
refused(['review', 'check', decisions], decisions, 'a review decisions file, not evidence')

# --- Architectures: unknown ones are refused as runc and crun do, and diff shows them. ---
foo = path('foo-arch.json')
with open(foo, 'w') as f:
    json.dump({'defaultAction': 'SCMP_ACT_LOG', 'architectures': ['SCMP_ARCH_FOO'],
               'syscalls': [{'names': ['reboot'], 'action': 'SCMP_ACT_ERRNO'}]}, f)
r = run('run', '--profile', foo, '--', 'true')
check('run --profile refuses an unknown architecture', r.returncode == 1 and 'SCMP_ARCH_FOO' in r.stderr
      and 'denied nothing' not in r.stderr, f'exit {r.returncode}: {r.stderr}')
r = run('diff', permissive, foo)
check('diff reports architectures that differ, an unknown one included',
      r.returncode == 1 and 'SCMP_ARCH_FOO' in r.stdout and 'x86_64' in r.stdout, f'exit {r.returncode}: {r.stdout}')

# --- --ready tcp: refuses a port another process already serves, before launch. ---
busy = socket.socket()
busy.bind(('127.0.0.1', 0))
busy.listen(8)
port = busy.getsockname()[1]
marker = path('launched')
r = run('record', '-q', '-o', path('busy.json'), '--ready', f'tcp:127.0.0.1:{port}', '--traffic', 'true', '--',
        'touch', marker)
check('--ready tcp: on a port already served is refused', r.returncode == 2 and f'tcp:127.0.0.1:{port}' in r.stderr
      and 'already' in r.stderr, f'exit {r.returncode}: {r.stderr}')
check('... before the workload is launched', not os.path.exists(marker), 'the workload ran')
busy.close()

finish('all operator cases passed')
