#!/usr/bin/env python3
"""Lifecycle phases: syscribe record drives the example webhook (a TCP server that reloads
its configuration on SIGHUP and removes its pid file on SIGTERM) through ready, traffic,
reload and stop, and the evidence keeps each phase's calls apart. A workload that never
becomes ready fails with the timeout error and still leaves its evidence.
Usage: phases_test.py SYSCRIBE WEBHOOK TRAFFIC_SH"""
import json, os, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'pylib'))
from syscribe_test import check, finish, free_port, phase_calls, procs_running  # noqa: E402

S, WEBHOOK, TRAFFIC = sys.argv[1:4]
T = tempfile.mkdtemp(prefix='syscribe-phases-')

port = free_port()
cfg = os.path.join(T, 'webhook.json')
pidfile = os.path.join(T, 'webhook.pid')
with open(cfg, 'w') as f:
    json.dump({'listen': '127.0.0.1', 'port': port, 'data': os.path.join(T, 'events.jsonl'), 'token': 't',
               'pid_file': pidfile}, f)
out = os.path.join(T, 'ev.json')
url = f'http://127.0.0.1:{port}'
p = subprocess.run([S, 'record', '-o', out, '--ready', f'tcp:127.0.0.1:{port}', '--traffic', f'{TRAFFIC} {url} t',
                    '--reload', '--', WEBHOOK, '--config', cfg], capture_output=True, text=True, timeout=120)
check('lifecycle run exits 0', p.returncode == 0, f'exit {p.returncode}: {p.stderr[-500:]}')
ev = json.load(open(out))
marks = [(m['phase'], m['source']) for m in ev['recordings'][0]['marks']]
check('four phases marked in order', [m[0] for m in marks] == ['startup', 'serving', 'reload', 'shutdown'], str(marks))
check('serving marked by readiness', marks[1][1] == f'ready tcp:127.0.0.1:{port}' if len(marks) > 1 else False, str(marks))
check('reload and shutdown marked when the signals are sent', [m[1] for m in marks[2:]] == ['sent SIGHUP', 'sent SIGTERM'],
      str(marks))
calls = phase_calls(ev)
check('accept4 in serving', 'accept4' in calls.get('serving', set()) or 'accept' in calls.get('serving', set()),
      str(sorted(calls.get('serving', []))))
check('execve only at startup', 'execve' in calls.get('startup', set()) and
      all('execve' not in calls.get(ph, set()) for ph in ('serving', 'reload', 'shutdown')), '')
check('the reload path (config re-read) in reload', 'openat' in calls.get('reload', set()), str(sorted(calls.get('reload', []))))
check('pid-file removal in shutdown', 'unlink' in calls.get('shutdown', set()) or 'unlinkat' in calls.get('shutdown', set()),
      str(sorted(calls.get('shutdown', []))))
check('pid file gone', not os.path.exists(pidfile), '')
check('summary lists what only shutdown did', 'phase shutdown:' in p.stderr and 'only here:' in p.stderr, p.stderr[-400:])

# The same lifecycle under the profile generated from it runs clean; under a profile built
# from startup alone, `run` reports what serving, reload and shutdown need, by phase.
full = os.path.join(T, 'full.json')
startup_only = os.path.join(T, 'startup.json')
subprocess.run([S, 'generate', '-q', out, '-o', full], check=True)
subprocess.run([S, 'generate', '-q', out, '--phases', 'startup', '-o', startup_only], check=True)
lifecycle = ['--ready', f'tcp:127.0.0.1:{port}', '--traffic', f'{TRAFFIC} {url} t', '--reload']
p = subprocess.run([S, 'run', '--profile', full, '--fail-on-denial', *lifecycle, '--', WEBHOOK, '--config', cfg],
                   capture_output=True, text=True, timeout=120)
check('run under the full profile: the lifecycle succeeds with no denial', p.returncode == 0 and
      'denied nothing' in p.stderr, f'exit {p.returncode}: {p.stderr[-600:]}')
p = subprocess.run([S, 'run', '--profile', startup_only, '--complain', *lifecycle, '--', WEBHOOK, '--config', cfg],
                   capture_output=True, text=True, timeout=120)
# What serving needs beyond startup depends on timing (a blocking accept4 may be entered
# before the first client), so take it from this recording's own evidence.
serving_only = calls.get('serving', set()) - calls.get('startup', set())
reported_serving = {l.split()[0] for l in p.stderr.splitlines() if 'in phase serving' in l}
check('run under a startup-only profile: what serving added is reported in phase serving',
      bool(serving_only) and bool(reported_serving & serving_only),
      f'serving added {sorted(serving_only)}, reported in serving {sorted(reported_serving)}')
check('run under a startup-only profile: the shutdown path reported in phase shutdown',
      any(l.split()[:1] in (['unlink'], ['unlinkat']) and 'in phase shutdown' in l for l in p.stderr.splitlines()),
      p.stderr[-800:])

# Readiness the workload signals itself. syscall:NAME: the main process's first call of its
# event-loop syscall (taken from the recording above); after the reload, its first call in
# the reload phase.
loop_call = 'ppoll' if 'ppoll' in calls.get('serving', set()) else 'poll'
out4 = os.path.join(T, 'syscall-ready.json')
p = subprocess.run([S, 'record', '-q', '-o', out4, '--ready', f'syscall:{loop_call}', '--traffic', f'{TRAFFIC} {url} t',
                    '--reload', '--', WEBHOOK, '--config', cfg], capture_output=True, text=True, timeout=120)
check(f'--ready syscall:{loop_call}: the lifecycle (traffic, reload, stop) succeeds', p.returncode == 0,
      f'exit {p.returncode}: {p.stderr[-500:]}')
marks4 = [(m['phase'], m['source']) for m in json.load(open(out4))['recordings'][0]['marks']]
check(f'--ready syscall:{loop_call}: four phases, serving marked by the syscall',
      [m[0] for m in marks4] == ['startup', 'serving', 'reload', 'shutdown'] and
      marks4[1][1] == f'ready syscall:{loop_call}', str(marks4))

# log:REGEX: a line of the workload's output; the output still reaches our stdout unchanged.
out5 = os.path.join(T, 'log-ready.json')
ready_log = 'log:"msg":"(listening|configuration reloaded)"'
p = subprocess.run([S, 'record', '-q', '-o', out5, '--ready', ready_log, '--traffic', f'{TRAFFIC} {url} t',
                    '--reload', '--', WEBHOOK, '--config', cfg], capture_output=True, text=True, timeout=120)
check('--ready log:REGEX: the lifecycle succeeds', p.returncode == 0, f'exit {p.returncode}: {p.stderr[-500:]}')
marks5 = [(m['phase'], m['source']) for m in json.load(open(out5))['recordings'][0]['marks']]
check('--ready log:REGEX: four phases, serving marked by the log line',
      [m[0] for m in marks5] == ['startup', 'serving', 'reload', 'shutdown'] and marks5[1][1] == 'ready ' + ready_log,
      str(marks5))
# Our stdout holds the workload's log lines and the traffic script's "traffic: ..." lines.
workload_lines = [l for l in p.stdout.splitlines() if not l.startswith('traffic: ')]
try:
    logged = [json.loads(l)['msg'] for l in workload_lines]
except ValueError as e:
    logged = [f'not a whole JSON line: {e}']
check('--ready log:REGEX: the workload output passes through whole, line by line',
      [m for m in logged if m != 'request'] == ['listening', 'configuration reloaded', 'stopped'],
      str(logged[:12]))

# The same two kinds in `run`: the full profile still runs clean.
for ready in (f'syscall:{loop_call}', ready_log):
    p = subprocess.run([S, 'run', '--profile', full, '--fail-on-denial', '--ready', ready, '--traffic',
                        f'{TRAFFIC} {url} t', '--reload', '--', WEBHOOK, '--config', cfg],
                       capture_output=True, text=True, timeout=120)
    check(f'run --ready {ready}: the lifecycle succeeds with no denial', p.returncode == 0 and
          'denied nothing' in p.stderr, f'exit {p.returncode}: {p.stderr[-600:]}')

# Our stdout closed early (`| head`): the recording still ends normally with its evidence.
out6 = os.path.join(T, 'closed-stdout.json')
script = (f'{S} record -q -o {out6} --ready log:ready --traffic "sleep 0.3" -- sh -c '
          '\'echo ready; i=0; while [ $i -lt 20000 ]; do echo line $i; i=$((i+1)); done; sleep 0.5\' | head -1; '
          'echo "status ${PIPESTATUS[0]}"')
p = subprocess.run(['bash', '-c', script], capture_output=True, text=True, timeout=60)
check('--ready log: with our stdout closed early: exit 0 and the evidence written',
      p.stdout.splitlines() == ['ready', 'status 0'] and os.path.exists(out6), f'{p.stdout!r} {p.stderr}')

# A log line that never comes: the timeout error names it.
p = subprocess.run([S, 'record', '-q', '-o', os.path.join(T, 'nolog.json'), '--ready', 'log:^never$',
                    '--ready-timeout', '1', '--traffic', 'true', '--stop-timeout', '2', '--', 'sh', '-c',
                    'echo almost; exec sleep 30'], capture_output=True, text=True, timeout=60)
check('never logged: exit 1 with the timeout error, output passed through',
      p.returncode == 1 and 'not ready (log:^never$) within 1 s' in p.stderr and p.stdout == 'almost\n',
      f'exit {p.returncode}: {p.stdout!r} {p.stderr}')
p = subprocess.run([S, 'record', '--ready', 'syscall:no_such_call', '--', 'true'], capture_output=True, text=True)
check('unknown syscall in --ready: exit 2, one line', p.returncode == 2 and p.stderr.count('\n') == 1 and
      "unknown syscall 'no_such_call'" in p.stderr, f'exit {p.returncode}: {p.stderr}')

# Never ready: the timeout error, the workload stopped, the evidence still written.
out2 = os.path.join(T, 'never.json')
p = subprocess.run([S, 'record', '-q', '-o', out2, '--ready', f'tcp:127.0.0.1:{free_port()}', '--ready-timeout', '1',
                    '--traffic', 'true', '--stop-timeout', '2', '--', 'sleep', '30'],
                   capture_output=True, text=True, timeout=60)
check('never ready: exit 1 with the timeout error', p.returncode == 1 and 'was not ready' in p.stderr and
      'within 1 s' in p.stderr, f'exit {p.returncode}: {p.stderr}')
try:
    ev2 = json.load(open(out2))
    check('never ready: evidence still written, all of it in startup', set(phase_calls(ev2)) <= {'startup', 'shutdown'}
          and 'startup' in phase_calls(ev2), str(phase_calls(ev2).keys()))
except (OSError, ValueError) as e:
    check('never ready: evidence still written', False, str(e))

# A workload that ignores the stop signal: SIGKILL after --stop-timeout ends its whole tree
# (here a shell ignoring TERM and its sleeping child), in record and in run alike.
stubborn = ['sh', '-c', 'trap "" TERM; sleep 37.25; echo never']
stubborn_ev, stubborn_prof = os.path.join(T, 'stubborn.json'), os.path.join(T, 'stubborn.prof.json')
for cmd in (['record', '-q', '-o', stubborn_ev], ['run', '-q', '--profile', stubborn_prof]):
    if cmd[0] == 'run':
        subprocess.run([S, 'generate', '-q', stubborn_ev, '-o', stubborn_prof], check=True)
    t0 = time.monotonic()
    p = subprocess.run([S, *cmd, '--ready', 'delay:0.2', '--traffic', 'true', '--stop-timeout', '1', '--', *stubborn],
                       capture_output=True, text=True, timeout=60)
    took = time.monotonic() - t0
    left = procs_running(['sleep', '37.25'])
    for pid in left:
        os.kill(pid, 9)
    check(f'{cmd[0]}: a workload ignoring the stop signal is killed with its children after --stop-timeout',
          p.returncode == 1 and 'did not stop within 1 s of SIGTERM: killed' in p.stderr and took < 15 and not left
          and 'never' not in p.stdout, f'exit {p.returncode} after {took:.1f} s, left {left}: {p.stderr}')

# A failing traffic command is reported as such.
out3 = os.path.join(T, 'badtraffic.json')
p = subprocess.run([S, 'record', '-q', '-o', out3, '--ready', 'delay:0.2', '--traffic', 'exit 3', '--', 'sleep', '30'],
                   capture_output=True, text=True, timeout=60)
check('failing traffic: exit 1 naming the traffic command', p.returncode == 1 and
      'traffic command failed (exit status 3)' in p.stderr, f'exit {p.returncode}: {p.stderr}')

# Bad --ready: a usage error.
p = subprocess.run([S, 'record', '--ready', 'http:x', '--', 'true'], capture_output=True, text=True)
check('bad --ready: exit 2, one line', p.returncode == 2 and p.stderr.count('\n') == 1 and 'unknown kind' in p.stderr,
      f'exit {p.returncode}: {p.stderr}')
finish('all phase cases passed')
