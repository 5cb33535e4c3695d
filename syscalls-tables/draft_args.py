#!/usr/bin/env python3
"""Drafts the args column of info.tsv from the section-2 man pages (manpages-dev).

Usage: draft_args.py NAME...      (or no NAME: every syscall in numbers.csv)

Prints NAME<TAB>ARGS, ARGS in info.tsv's NAME:KIND;... form, or NAME<TAB>? when no
synopsis names the syscall. The man pages document glibc's wrappers, which sometimes
differ from the raw syscall (clone, mmap on i386, getcwd, the *at variants...): the
draft is a starting point for review, never pasted unread. info.tsv is the source of
truth; this script only saves typing when a syscall is added.
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

PATH_NAMES = {"pathname", "path", "filename", "oldpath", "newpath", "target", "source",
              "linkpath", "library", "specialfile", "file", "oldname", "newname", "name_path",
              "dir", "new_root", "put_old", "special", "dev_name", "dir_name", "to", "from"}


def kind_of(ctype, name):
    """The info.tsv kind for one C parameter."""
    t = " ".join(ctype.replace("restrict", "").split())
    if "*" in t or "[" in name:
        if re.match(r"const char \*$", t):
            return "path" if name in PATH_NAMES else "str"
        return "ptr"
    if name in ("fd", "dirfd", "olddirfd", "newdirfd", "oldfd", "newfd", "epfd", "fd_in", "fd_out",
                "pidfd", "out_fd", "in_fd", "mqdes", "sockfd", "s", "fromfd", "tofd", "dfd",
                "from_dfd", "to_dfd", "mount_fd", "ufd", "fs_fd", "cfd"):
        return "fd"
    base = t.replace("const ", "")
    if base in ("pid_t",):
        return "pid"
    if base in ("uid_t", "gid_t"):
        return "uid"
    if base in ("mode_t", "umode_t"):
        return "mode"
    if "flags" in name or name in ("prot", "mask", "events", "how"):
        return "flags64" if base in ("unsigned long", "long", "uint64_t", "__u64", "u64") else "flags32"
    if base in ("int", "clockid_t", "key_serial_t", "timer_t", "idtype_t", "mqd_t", "__s32", "int32_t"):
        return "int"
    if base in ("unsigned int", "unsigned", "socklen_t", "uint32_t", "__u32", "u32", "id_t", "qid_t"):
        return "uint"
    if base in ("long", "ssize_t", "loff_t", "off_t", "off64_t", "time_t", "__s64", "int64_t"):
        return "long"
    return "ulong"  # size_t, unsigned long, dev_t, u64, aio_context_t, ...


def split_params(params):
    depth, cur, out = 0, "", []
    for ch in params:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur)
    return [p.strip() for p in out]


def parse_param(p):
    p = p.strip()
    if p in ("void", "...") or not p:
        return None
    m = re.match(r"(.*?)\(\s*\*\s*(\w+)\s*\)\s*\(.*\)$", p)  # function pointer
    if m:
        return m.group(2), "ptr"
    m = re.match(r"(.*?)(\w+)\s*(\[.*\])?$", p)
    if not m:
        return None
    ctype, name = m.group(1).strip(), m.group(2)
    return name, kind_of(ctype, name + (m.group(3) or ""))


def synopsis(name):
    env = dict(os.environ, MANWIDTH="400")
    proc = subprocess.run(["man", "-P", "cat", "2", name], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        return ""
    text = proc.stdout
    start = text.find("SYNOPSIS")
    end = text.find("\nDESCRIPTION")
    return " ".join(text[start:end].split()) if start >= 0 else ""


def draft(name):
    syn = synopsis(name)
    best = None
    # Raw syscalls without a glibc wrapper: "long syscall(SYS_name, type a, ...);"
    for m in re.finditer(r"syscall\(\s*SYS_" + re.escape(name) + r"\s*(,([^;]*))?\)\s*;", syn):
        best = m.group(2) or ""
    if best is None:
        for m in re.finditer(r"[\w\s\*]*?\b\*?" + re.escape(name) + r"\s*\(([^;]*)\)\s*;", syn):
            params = m.group(1)
            if best is None or params.count(",") > best.count(","):
                best = params
    if best is None:
        return None
    args = [parse_param(p) for p in split_params(best)]
    return ";".join(f"{a}:{k}" for a, k in (x for x in args if x))


def main():
    names = sys.argv[1:]
    if not names:
        with open(os.path.join(HERE, "numbers.csv"), encoding="utf-8") as f:
            names = [line.split(",")[0] for line in f
                     if line.strip() and not line.startswith("#") and not line.startswith("name,")]
    for name in names:
        d = draft(name)
        print(f"{name}\t{'?' if d is None else (d or '-')}")


if __name__ == "__main__":
    main()
