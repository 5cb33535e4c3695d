#!/usr/bin/env python3
"""The live status line on a terminal: the workload's output never shares a row with it,
it names the phase, lifecycle steps are announced, and exit messages name signals.

Usage: check_terminal.py SYSCRIBE

syscribe runs on a pseudo-terminal (24 rows, 100 columns) whose output feeds a small
terminal emulator below (the sequences a VT100 knows: cursor moves, erase, scroll region,
save and restore); after every chunk the screen is checked.
"""
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'pylib'))
from syscribe_test import check, finish, state  # noqa: E402

syscribe = sys.argv[1]
ROWS, COLS = 24, 100


class Screen:
    def __init__(self, rows, cols):
        self.rows, self.cols = rows, cols
        self.lines = [[' '] * cols for _ in range(rows)]
        self.y = self.x = 0
        self.top, self.bottom = 0, rows - 1
        self.saved = (0, 0)
        self.buf = ''

    def text(self, y):
        return ''.join(self.lines[y]).rstrip()

    def linefeed(self):
        if self.y == self.bottom:
            del self.lines[self.top]
            self.lines.insert(self.bottom, [' '] * self.cols)
        elif self.y < self.rows - 1:
            self.y += 1

    def feed(self, data):
        self.buf += data
        s, i = self.buf, 0
        while i < len(s):
            c = s[i]
            if c == '\x1b':
                if i + 1 >= len(s):
                    break
                n = s[i + 1]
                if n == '7':
                    self.saved = (self.y, self.x); i += 2; continue
                if n == '8':
                    self.y, self.x = self.saved; i += 2; continue
                if n == '[':
                    m = re.match(r'\x1b\[([0-9;?]*)([A-Za-z])', s[i:])
                    if not m:
                        break
                    self.csi(m.group(1), m.group(2))
                    i += m.end(); continue
                i += 2; continue
            if c == '\r':
                self.x = 0
            elif c == '\n':
                self.linefeed()
            elif c >= ' ':
                if self.x >= self.cols:
                    self.x = 0
                    self.linefeed()
                self.lines[self.y][self.x] = c
                self.x += 1
            i += 1
        self.buf = s[i:]

    def csi(self, params, op):
        args = [int(a) if a else 0 for a in params.split(';')] if params else []
        if op == 'K':
            start = self.x if not args or args[0] == 0 else 0
            for k in range(start, self.cols):
                self.lines[self.y][k] = ' '
        elif op == 'H':
            self.y = min(self.rows, max(1, args[0] if args else 1)) - 1
            self.x = min(self.cols, max(1, args[1] if len(args) > 1 else 1)) - 1
        elif op == 'A':
            self.y = max(self.top if self.y >= self.top else 0, self.y - (args[0] if args and args[0] else 1))
        elif op == 'r':
            self.top = (args[0] if args and args[0] else 1) - 1
            self.bottom = (args[1] if len(args) > 1 and args[1] else self.rows) - 1
            self.y = self.x = 0


def run_on_pty(args, timeout=30, on_output=None, ctty=False):
    """Runs ARGS on a new pty; ON_OUTPUT(transcript, master) is called after each chunk (it may
    type into MASTER). CTTY: the pty is also its controlling terminal (Ctrl-C typed into
    MASTER signals its foreground group)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack('HHHH', ROWS, COLS, 0, 0))
    take = (lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0)) if ctty else None
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, close_fds=True, start_new_session=True,
                            preexec_fn=take)
    os.close(slave)
    screen = Screen(ROWS, COLS)
    shared, seen_status, transcript = [], [], ''
    deadline = time.time() + timeout
    while time.time() < deadline:
        r, _, _ = select.select([master], [], [], 0.2)
        if r:
            try:
                data = os.read(master, 65536).decode(errors='replace')
            except OSError:
                break
            if not data:
                break
            transcript += data
            screen.feed(data)
            if on_output:
                on_output(transcript, master)
            for y in range(ROWS):
                t = screen.text(y)
                if 'new in the last second' in t:
                    seen_status.append(t)
                    if not re.fullmatch(r'syscribe: [^\n]*new in the last second', t):
                        shared.append(t)
        elif proc.poll() is not None:
            break
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:  # still running: a failure the caller sees in the status
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    os.close(master)
    return proc.returncode, screen, shared, seen_status, transcript


# A workload that writes partial lines slowly, as a server's log does.
workload = ['sh', '-c', 'for i in 1 2 3 4 5 6; do printf "WORKLOAD line $i"; sleep 0.3; echo " end"; done']
rc, screen, shared, status, transcript = run_on_pty([syscribe, 'record', '-o', '/tmp/syscribe-terminal-test.json',
                                                    '--ready', 'delay:0.5', '--traffic', 'sleep 0.5', '--', *workload])
check('record on a terminal exits 0', rc == 0, f'exit {rc}: {transcript[-500:]!r}')
check('the status line was drawn', bool(status), repr(transcript[:500]))
check("the workload's output never shares a row with the status line", not shared, repr(shared[:3]))
check('the status line names the phase', any('phase startup' in t or 'phase serving' in t for t in status),
      repr(status[:3]))
plain = re.sub(r'\x1b(\[[0-9;?]*[A-Za-z]|[78])', '', transcript)
check('readiness is announced', 'syscribe record: ready (delay:0.5): phase serving' in plain, plain[-800:])
check('the stop signal is announced', 'syscribe record: sent SIGTERM to the workload: phase shutdown' in plain, plain[-800:])
check('the scroll region is given back at the end', transcript.rstrip().count('\x1b[r') >= 1, '')
bottom = screen.text(ROWS - 1)
check('the status row is erased at the end', 'distinct' not in bottom, bottom)
try:
    os.unlink('/tmp/syscribe-terminal-test.json')
except FileNotFoundError:
    pass

# Exit messages name signals, not raw statuses.
profile = '/tmp/syscribe-terminal-test-profile.json'
with open(profile, 'w') as f:
    f.write('{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],'
            '"syscalls":[{"names":["sync"],"action":"SCMP_ACT_KILL_PROCESS"}]}')
for script, sig, status in (('kill -PIPE $$', 'SIGPIPE', 141), ('exec sync', 'SIGSYS', 159)):
    p = subprocess.run([syscribe, 'run', '--profile', profile, '--', 'sh', '-c', script],
                       capture_output=True, text=True, timeout=30)
    check(f'run names {sig} in its exit message', p.returncode == status and f'was killed by {sig} (status {status})' in p.stderr
          and f'exited {status}' not in p.stderr, f'exit {p.returncode}: {p.stderr[-300:]}')
# Ctrl-C on a terminal while the workload is stopped (it sent itself SIGSTOP, as a debugger's
# child does): the terminal's SIGINT reached it but stays pending; run continues it so that it
# acts on it, and exits 130 instead of waiting for good.
typed = []


def ctrl_c_once_stopped(transcript, master):
    m = re.search(r'stopping (\d+)', transcript)
    if typed or not m:
        return
    pid = m.group(1)
    deadline = time.time() + 5
    while time.time() < deadline and state(pid) != 'T':
        time.sleep(0.02)
    typed.append(state(pid))
    os.write(master, b'\x03')


rc, screen, shared, status, transcript = run_on_pty(
    [syscribe, 'run', '-q', '--profile', profile, '--', 'sh', '-c', 'echo stopping $$; kill -STOP $$; echo continued'],
    timeout=20, on_output=ctrl_c_once_stopped, ctty=True)
check('run on a terminal: Ctrl-C ends a workload that stopped itself (exit 130)',
      typed == ['T'] and rc == 130 and 'continued' not in transcript, f'state then {typed}, exit {rc}: {transcript!r}')
os.unlink(profile)

finish('all terminal cases passed')
