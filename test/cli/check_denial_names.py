#!/usr/bin/env python3
"""`syscribe run` names the argument values of the calls it denies where names exist: dirfd
-100 is AT_FDCWD, flags 0x1000 AT_EMPTY_PATH, and setsockopt's option follows its level
(TCP_NODELAY at SOL_TCP, not SO_DEBUG). Exits 77 where syscribe cannot trace (no ptrace).

Usage: check_denial_names.py SYSCRIBE"""
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import syscribe_test as t  # noqa: E402
from syscribe_test import check  # noqa: E402

S = sys.argv[1]
T = tempfile.mkdtemp(prefix="syscribe-denials-")
PY = "/usr/bin/python3"
# A TCP_NODELAY and an SO_REUSEADDR setsockopt.
CODE = ("import socket\ns = socket.socket()\n"
        "for level, opt in ((socket.IPPROTO_TCP, socket.TCP_NODELAY), (socket.SOL_SOCKET, socket.SO_REUSEADDR)):\n"
        "    try:\n        s.setsockopt(level, opt, 1)\n    except OSError:\n        pass\n")
if not os.access(PY, os.X_OK):
    t.skip("denied calls' argument names", f"{PY} is not installed")
    t.finish()
p, ev = t.record(S, os.path.join(T, "py.json"), [PY, "-c", CODE])
if p.returncode != 0 or ev is None:
    t.skip("denied calls' argument names", f"syscribe record does not work here: {p.stderr[-300:]}")
    t.finish()
rc, _, err = t.run(S, "generate", "-q", os.path.join(T, "py.json"), "-o", os.path.join(T, "p.json"))
check("generate a profile from the recording", rc == 0, err)
def run_denying(name):
    prof = json.load(open(os.path.join(T, "p.json")))
    for r in prof["syscalls"]:
        r["names"] = [n for n in r["names"] if n != name]
    prof["syscalls"] = [r for r in prof["syscalls"] if r["names"]]
    path = os.path.join(T, f"deny-{name}.json")
    json.dump(prof, open(path, "w"))
    return t.run(S, "run", "--profile", path, "--", PY, "-c", CODE, timeout=60)[2]


# Without newfstatat python3 stops at startup, after the loader's stats: enough.
err = run_denying("newfstatat")
check("run reports a denied newfstatat with dirfd=AT_FDCWD",
      re.search(r'newfstatat\(dirfd=AT_FDCWD, pathname="/[^"]*", statbuf=0x[0-9a-f]+, flags=0x0\)', err), err[-2000:])
check("run reports flags=AT_EMPTY_PATH and an ordinary fd as a number",
      re.search(r'newfstatat\(dirfd=\d+, pathname="", statbuf=0x[0-9a-f]+, flags=AT_EMPTY_PATH\)', err), err[-2000:])
err = run_denying("setsockopt")
check("run names TCP_NODELAY at SOL_TCP", re.search(r"setsockopt\(sockfd=\d+, level=SOL_TCP, optname=TCP_NODELAY,", err),
      err[-2000:])
check("run names SO_REUSEADDR at SOL_SOCKET", "level=SOL_SOCKET, optname=SO_REUSEADDR," in err, err[-2000:])
check("no SO_DEBUG for a TCP option", "SO_DEBUG" not in err, err[-2000:])
t.finish()
p, ev = t.record(S, os.path.join(T, "py.json"), [PY, "-c", CODE])
if p.returncode != 0 or ev is None:
    t.skip("denied calls' argument names", f"syscribe record does not work here: {p.stderr[-300:]}")
    t.finish()
rc, _, err = t.run(S, "generate", "-q", os.path.join(T, "py.json"), "-o", os.path.join(T, "p.json"))
check("generate a profile from the recording", rc == 0, err)
prof = json.load(open(os.path.join(T, "p.json")))
for r in prof["syscalls"]:
    r["names"] = [n for n in r["names"] if n not in ("newfstatat", "setsockopt")]
prof["syscalls"] = [r for r in prof["syscalls"] if r["names"]]
json.dump(prof, open(os.path.join(T, "deny.json"), "w"))
rc, out, err = t.run(S, "run", "--profile", os.path.join(T, "deny.json"), "--", PY, "-c", CODE, timeout=60)
check("run reports the denied newfstatat with dirfd=AT_FDCWD", "newfstatat(dirfd=AT_FDCWD, pathname=\"/\"" in err, err[-2000:])
check("run reports flags=AT_EMPTY_PATH", "newfstatat(dirfd=0, pathname=\"\", statbuf=" in err and "flags=AT_EMPTY_PATH)" in err,
      err[-2000:])
check("run names TCP_NODELAY at SOL_TCP", "setsockopt(sockfd=3, level=SOL_TCP, optname=TCP_NODELAY," in err, err[-2000:])
check("run names SO_REUSEADDR at SOL_SOCKET", "level=SOL_SOCKET, optname=SO_REUSEADDR," in err, err[-2000:])
check("no SO_DEBUG for a TCP option", "SO_DEBUG" not in err, err[-2000:])
t.finish("denied calls show their argument values by name")
