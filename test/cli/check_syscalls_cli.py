#!/usr/bin/env python3
"""CLI behaviour of `syscribe syscalls` and the command frame, error messages included.

Usage: check_syscalls_cli.py SYSCRIBE NUMBERS_CSV

numbers.csv is the oracle for the every-arch checks (the table tests compare it with
libseccomp and the kernel headers). Every failing case is reported; exit 1 on any.
"""
import csv
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import syscribe_test as t  # noqa: E402
from syscribe_test import check  # noqa: E402

syscribe, numbers_csv = sys.argv[1], sys.argv[2]


def run(*args):
    return t.run(syscribe, *args, timeout=20)


def expect_usage_error(args, must_contain):
    rc, out, err = run(*args)
    label = "syscribe " + " ".join(args)
    check(label, rc == 2, f"exit {rc}, want 2")
    check(label, err.count("\n") == 1 and must_contain in err, f"stderr {err!r} should be one line with {must_contain!r}")
    check(label, out == "", f"unexpected stdout {out!r}")


def expect_output(args, want):
    rc, out, err = run(*args)
    label = "syscribe " + " ".join(args)
    check(label, rc == 0 and out == want, f"exit {rc}, stdout {out!r}, stderr {err!r}; want {want!r}")


# The examples.
expect_output(["syscalls", "157", "--arch", "x86_64"], "prctl\n")
expect_output(["syscalls", "openat", "--arch", "aarch64"], "56\n")
expect_output(["syscalls", "0x101", "--arch", "x86_64"], "openat\n")
expect_output(["syscalls", "openat", "--arch", "arm64"], "56\n")            # Debian's arch name
expect_output(["syscalls", "openat", "--arch", "SCMP_ARCH_AARCH64"], "56\n")  # libseccomp's
expect_output(["syscalls", "read", "write", "--arch", "x86_64"], "0\n1\n")
expect_output(["syscalls", "0", "--arch", "x32"], "read\n")                 # without the x32 bit
expect_output(["syscalls", "0x40000000", "--arch", "x32"], "read\n")        # with it

# Every arch, both directions, against numbers.csv.
with open(numbers_csv, encoding="utf-8") as f:
    rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
arches = [c for c in rows[0].keys() if c != "name"]
for arch in arches:
    present = [r for r in rows if r[arch]]
    check(f"numbers.csv {arch}", len(present) > 250, f"only {len(present)} syscalls")
    samples = [r for r in present if r["name"] in ("read", "openat", "clone", "socket", "exit_group")]
    samples.append(max(present, key=lambda r: int(r[arch])))
    for r in samples:
        expect_output(["syscalls", r["name"], "--arch", arch], r[arch] + "\n")
        expect_output(["syscalls", r[arch], "--arch", arch], r["name"] + "\n")

# --all names every arch, with the replacement where one lacks the syscall.
rc, out, err = run("syscalls", "--all", "open")
check("--all open", rc == 0, err)
lines = out.splitlines()
check("--all open", len(lines) == 1 + len(arches), out)
check("--all open", any(l.split()[:2] == ["x86_64", "2"] for l in lines[1:]), out)
check("--all open", any(l.split()[0] == "aarch64" and "openat" in l for l in lines[1:]), out)

# --list filters.
rc, out, err = run("syscalls", "--list", "--category", "network", "--arch", "x86_64")
body = out.splitlines()[1:]
check("--list --category network", rc == 0 and len(body) > 15, f"exit {rc}, {len(body)} rows")
check("--list --category network", all(l.split()[2] == "network" for l in body), out)
check("--list --category network", any(l.split()[0] == "socket" for l in body), out)
rc, out, err = run("syscalls", "--list", "--risk", "high", "--arch", "x86_64")
body = out.splitlines()[1:]
check("--list --risk high", rc == 0 and len(body) > 20, f"exit {rc}, {len(body)} rows")
check("--list --risk high", all(l.split()[3] in ("high", "critical") for l in body), out)
check("--list --risk high", {"mount", "ptrace", "bpf", "unshare"} <= {l.split()[0] for l in body}, out)
rc, out, err = run("syscalls", "--list", "--arch", "aarch64")
names = {l.split()[0] for l in out.splitlines()[1:]}
check("--list --arch aarch64", "openat" in names and "open" not in names, "open listed on aarch64")

# --json parses, for lookups and lists.
rc, out, err = run("syscalls", "--json", "clone", "--arch", "x86_64")
try:
    doc = json.loads(out)
    check("--json clone", doc[0]["name"] == "clone" and doc[0]["numbers"]["x86_64"] == 56, out)
    flags = doc[0]["args"][0]
    check("--json clone", flags["name"] == "flags" and flags["use"] == "mask" and flags["mask"] == "0x7e020000", out)
except (ValueError, KeyError, IndexError) as e:
    check("--json clone parses", False, f"{e}: {out!r}")
rc, out, err = run("syscalls", "--list", "--json", "--risk", "critical")
try:
    doc = json.loads(out)
    check("--list --json", len(doc) > 5 and all(d["risk"] == "critical" for d in doc), out[:200])
except ValueError as e:
    check("--list --json parses", False, str(e))

# Errors: exit 2, one line that says what is wrong.
expect_usage_error(["syscalls", "no_such_syscall"], "unknown syscall 'no_such_syscall'")
expect_usage_error(["syscalls", "9999", "--arch", "x86_64"], "no syscall number 9999 on x86_64")
expect_usage_error(["syscalls", "read", "--arch", "vax"], "unknown architecture 'vax'")
expect_usage_error(["syscalls", "open", "--arch", "aarch64"], "open does not exist on aarch64 (use openat)")
expect_usage_error(["syscalls", "--list", "--risk", "extreme"], "unknown risk 'extreme'")
expect_usage_error(["syscalls", "--list", "--category", "nope"], "unknown category 'nope'")
expect_usage_error(["syscalls"], "give a syscall name or number")
expect_usage_error(["syscalls", "--bogus"], "bogus")

# The command frame.
rc, out, err = run("--version")
check("--version", rc == 0 and out.startswith("syscribe ") and len(out.split()) == 2, f"exit {rc}, {out!r}")
rc, out, err = run("--help")
check("--help", rc == 0 and "syscalls" in out and "Usage" in out, f"exit {rc}")
rc, out, err = run("syscalls", "--help")
check("syscalls --help", rc == 0 and "--arch" in out and "--list" in out, f"exit {rc}")
rc, out, err = run("no-such-command")
check("unknown command", rc == 2 and err.count("\n") == 1 and "unknown command 'no-such-command'" in err,
      f"exit {rc}, {err!r}")
# Found by fuzzing: Boost.Program_options looped forever building the message when the
# bad value itself held a placeholder such as %value%.
expect_usage_error(["record", "-p", "%value%", "--", "true"], "invalid use of option '--pid'")
expect_usage_error(["record", "-p", "abc", "--", "true"], "the argument ('abc') for option '--pid' is invalid")

t.finish("the syscalls command and the command frame behave")
