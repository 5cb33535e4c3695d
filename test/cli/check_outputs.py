#!/usr/bin/env python3
"""Outputs never destroy what a path names, and a command with several outputs writes all
of them or none.

Usage: check_outputs.py SYSCRIBE EVIDENCE

Every case runs in a fresh temporary folder. A character device is made there with mknod
(the same device as /dev/null), so the check never risks the machine's own /dev/null; without
the right to mknod that case is skipped and says so (the FIFO and symlink cases still run; the
suite then exits 77).
"""
import os
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'pylib'))
from syscribe_test import check, finish, skip  # noqa: E402

syscribe, evidence = sys.argv[1], sys.argv[2]


def run(*args, **kw):
    return subprocess.run([syscribe, *args], capture_output=True, text=True, timeout=30, **kw)


with tempfile.TemporaryDirectory() as d:
    # A device is written in place, never replaced by a regular file.
    dev = os.path.join(d, 'null')
    try:
        os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        skip('outputs to a device', 'no right to mknod here')
    else:
        p = run('generate', evidence, '-o', dev, '-q')
        check('generate -o DEVICE exits 0', p.returncode == 0, p.stderr)
        check('generate -o DEVICE leaves the device a device', stat.S_ISCHR(os.lstat(dev).st_mode),
              'it became a regular file')
        p = run('merge', evidence, '-o', dev)
        check('merge -o DEVICE leaves the device a device', p.returncode == 0 and stat.S_ISCHR(os.lstat(dev).st_mode),
              p.stderr)
        check('no temporary file is left beside the device', sorted(os.listdir(d)) == ['null'], str(os.listdir(d)))

    # A FIFO is written in place: its reader gets the profile.
    fifo = os.path.join(d, 'fifo')
    os.mkfifo(fifo)
    # The read end is open before syscribe writes, and the profile fits in the pipe buffer.
    rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    p = run('generate', evidence, '-o', fifo, '-q')
    try:
        got = [os.read(rfd, 1 << 20).decode()]
    except BlockingIOError:
        got = []
    os.close(rfd)
    check('generate -o FIFO exits 0', p.returncode == 0, p.stderr)
    check('generate -o FIFO leaves the FIFO a FIFO', stat.S_ISFIFO(os.lstat(fifo).st_mode), 'it was replaced')
    check('the FIFO reader gets the profile', bool(got) and '"defaultAction"' in got[0], repr(got)[:200])

    # /dev/stdout writes to syscribe's stdout.
    p = run('generate', evidence, '-o', '/dev/stdout', '-q')
    check('generate -o /dev/stdout prints the profile', p.returncode == 0 and '"defaultAction"' in p.stdout, p.stderr)

    # A symlink is followed: the target is written, the link stays a link.
    target = os.path.join(d, 'profiles', 'app.json')
    os.mkdir(os.path.dirname(target))
    with open(target, 'w') as f:
        f.write('old\n')
    os.chmod(target, 0o640)
    link = os.path.join(d, 'app.json')
    os.symlink('profiles/app.json', link)
    p = run('generate', evidence, '-o', link, '-q')
    check('generate -o SYMLINK exits 0', p.returncode == 0, p.stderr)
    check('the symlink stays a symlink', os.path.islink(link), 'it was replaced by a file')
    check('the symlink target holds the profile', '"defaultAction"' in open(target).read(), open(target).read()[:100])
    check('the target keeps its mode', stat.S_IMODE(os.stat(target).st_mode) == 0o640, oct(os.stat(target).st_mode))
    dangling = os.path.join(d, 'dangling.json')
    os.symlink('made-by-syscribe.json', dangling)
    p = run('generate', evidence, '-o', dangling, '-q')
    check('a dangling symlink creates its target', p.returncode == 0 and os.path.isfile(os.path.join(d, 'made-by-syscribe.json')),
          p.stderr)

    # A directory is refused with its name.
    p = run('generate', evidence, '-o', d, '-q')
    check('generate -o DIR fails naming it', p.returncode == 1 and d in p.stderr and 'directory' in p.stderr, p.stderr)

    # All or nothing: the report cannot be written, so the profile is not written either.
    profile = os.path.join(d, 'p.json')
    p = run('generate', evidence, '-o', profile, '--report', os.path.join(d, 'missing', 'r.html'), '-q')
    check('generate with an unwritable report fails', p.returncode == 1 and 'missing/r.html' in p.stderr, p.stderr)
    check('... and writes no profile', not os.path.exists(profile), 'the profile was written')
    # The same when the report is only found unwritable while writing (the folder is made
    # into a file after the early check would pass): a report path whose folder is a file.
    blocker = os.path.join(d, 'blocker')
    open(blocker, 'w').close()
    p = run('generate', evidence, '-o', profile, '--report', os.path.join(blocker, 'r.md'), '-q')
    check('a report under a file fails', p.returncode == 1, p.stderr)
    check('... and writes no profile', not os.path.exists(profile), 'the profile was written')
    p = run('generate', evidence, '-o', profile, '--report', os.path.join(d, 'r.md'), '--report', os.path.join(d, 'r.html'), '-q')
    check('generate -o with two reports writes all three', p.returncode == 0 and all(
        os.path.exists(os.path.join(d, f)) for f in ('p.json', 'r.md', 'r.html')), p.stderr)
    left = [f for f in os.listdir(d) if '.tmp.' in f]
    check('no temporary files are left behind', not left, str(left))

finish('all output cases passed')
