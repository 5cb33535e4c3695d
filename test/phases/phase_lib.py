"""What the phase tests share: the check list, a free TCP port, and the syscalls of each
phase in an evidence file."""
import socket

failures = []


def check(what, ok, why=''):
    print(f"{'ok  ' if ok else 'FAIL'} {what}{'' if ok else ': ' + why}", flush=True)
    if not ok:
        failures.append(what)


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def phase_calls(ev):
    """{phase: set of syscall names} over every process and arch; {} for no evidence."""
    out = {}
    for p in ev['processes'] if ev else []:
        for phase, arches in p['phases'].items():
            for m in arches.values():
                out.setdefault(phase, set()).update(m)
    return out
