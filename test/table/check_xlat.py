#!/usr/bin/env python3
"""Every value in syscalls-tables/xlat/*.tsv against the C headers of this (x86_64) machine.

Usage: check_xlat.py XLAT_DIR

Each set is compiled into a small C program that prints what the headers say each name
is; a name the headers lack must be listed in NOT_IN_HEADERS below with the reason
(newer than Debian 12's linux 6.1 headers, or kernel-internal). All disagreements are
listed at once; exit 1 on any, 77 (skipped) when there is no C compiler.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

# Headers that define each set's names (macros or enum constants).
HEADERS = {
    "address_families": ["sys/socket.h"],
    "bpf_cmds": ["linux/bpf.h"],
    "clock_ids": ["time.h"],
    "clone_flags": ["linux/sched.h", "signal.h"],
    "errnos": ["errno.h"],
    "fcntl_cmds": ["linux/fcntl.h"],
    "ioctl_requests": ["sys/ioctl.h", "asm/termbits.h", "linux/fiemap.h", "linux/fs.h", "linux/sockios.h", "linux/nsfs.h",
                       "linux/seccomp.h"],
    "keyctl_ops": ["linux/keyctl.h"],
    "mmap_flags": ["linux/mman.h"],
    "mmap_prot": ["linux/mman.h"],
    "mount_flags": ["linux/mount.h"],
    "open_flags": ["linux/fcntl.h"],
    "personality": ["linux/personality.h"],
    "prctl_options": ["linux/prctl.h"],
    "ptrace_requests": ["linux/ptrace.h"],
    "seccomp_ops": ["linux/seccomp.h"],
    "socket_levels": ["sys/socket.h", "netinet/in.h", "netinet/tcp.h", "netinet/udp.h"],
    "socket_options": ["sys/socket.h"],
    "socket_options_sol_ip": ["netinet/in.h"],
    "socket_options_sol_ipv6": ["netinet/in.h"],
    "socket_options_sol_tcp": ["netinet/tcp.h"],
    "socket_options_sol_udp": ["netinet/udp.h"],
    "dir_fds": ["fcntl.h"],
    "at_flags": ["fcntl.h"],
    "socket_types": ["sys/socket.h"],
}

NEWER = "newer than the linux 6.1 headers"
INTERNAL = "kernel-internal (include/linux/socket.h), not in the uapi headers"
NOT_IN_HEADERS = {
    "bpf_cmds": {"BPF_TOKEN_CREATE": NEWER},
    "fcntl_cmds": {"F_DUPFD_QUERY": NEWER, "F_CREATED_QUERY": NEWER},
    "personality": {"PER_QUERY": "our name for 0xffffffff, which only queries"},
    "prctl_options": {n: NEWER for n in [
        "PR_SET_MDWE", "PR_GET_MDWE", "PR_SET_MEMORY_MERGE", "PR_GET_MEMORY_MERGE",
        "PR_RISCV_V_SET_CONTROL", "PR_RISCV_V_GET_CONTROL", "PR_RISCV_SET_ICACHE_FLUSH_CTX",
        "PR_PPC_GET_DEXCR", "PR_PPC_SET_DEXCR", "PR_GET_SHADOW_STACK_STATUS",
        "PR_SET_SHADOW_STACK_STATUS", "PR_LOCK_SHADOW_STACK_STATUS",
        "PR_TIMER_CREATE_RESTORE_IDS", "PR_FUTEX_HASH"]},
    "ptrace_requests": {"PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG": NEWER,
                        "PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG": NEWER,
                        "PTRACE_SET_SYSCALL_INFO": NEWER},
    "socket_levels": {n: INTERNAL for n in [
        "SOL_UDPLITE", "SOL_SCTP", "SOL_IPX", "SOL_AX25", "SOL_ATALK", "SOL_NETROM", "SOL_ROSE",
        "SOL_VSOCK"]},
}


def read_set(path):
    entries = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.strip() and not line.lstrip().startswith("#"):
                name, value = line.split("\t")
                entries.append((name, int(value, 0) & 0xFFFFFFFFFFFFFFFF))  # AT_FDCWD is -100
    return entries


def compile_and_run(headers, names, tmp):
    """{name: value} for the names the headers define; compiles, drops undeclared names, retries."""
    names = list(names)
    while True:
        src = "#define _GNU_SOURCE\n#include <stdio.h>\n" + "".join(f"#include <{h}>\n" for h in headers)
        src += "int main(void) {\n"
        src += "".join(f'  printf("{n} %llx\\n", (unsigned long long)({n}));\n' for n in names)
        src += "  return 0;\n}\n"
        c, exe = os.path.join(tmp, "x.c"), os.path.join(tmp, "x")
        with open(c, "w", encoding="utf-8") as f:
            f.write(src)
        proc = subprocess.run(["cc", "-w", "-o", exe, c], capture_output=True, text=True,
                              env=dict(os.environ, LC_ALL="C"))
        if proc.returncode == 0:
            break
        missing = set(re.findall(r"'(\w+)' undeclared", proc.stderr))
        if not missing or not missing & set(names):
            raise RuntimeError(proc.stderr)
        names = [n for n in names if n not in missing]
    out = subprocess.run([exe], capture_output=True, text=True, check=True).stdout
    result = {}
    for line in out.splitlines():
        name, value = line.split(" ")
        result[name] = int(value, 16)
    return result


def main():
    xlat_dir = sys.argv[1]
    if not shutil.which("cc"):
        print("SKIP: no C compiler")
        return 77
    problems, checked = [], 0
    sets = sorted(f[:-4] for f in os.listdir(xlat_dir) if f.endswith(".tsv"))
    unknown = [s for s in sets if s not in HEADERS]
    for s in unknown:
        problems.append(f"{s}: no headers known to check it against (add it to HEADERS)")
    sets = [s for s in sets if s in HEADERS]
    entries = {s: read_set(os.path.join(xlat_dir, s + ".tsv")) for s in sets}

    def compile_set(s):
        with tempfile.TemporaryDirectory() as tmp:
            return compile_and_run(HEADERS[s], [n for n, _ in entries[s]], tmp)

    with ThreadPoolExecutor(max_workers=2) as pool:  # the machine is shared: two compilers at most
        found_by_set = dict(zip(sets, pool.map(compile_set, sets)))
    for s in sets:
        allowed = NOT_IN_HEADERS.get(s, {})
        names = [n for n, _ in entries[s]]
        if len(set(names)) != len(names):
            problems.append(f"{s}: a name appears twice")
        found = found_by_set[s]
        for name, value in entries[s]:
            if name in found:
                checked += 1
                # Header values are C ints or longs: compare in the width they have.
                if found[name] != value and found[name] != value | 0xFFFFFFFF00000000:
                    problems.append(f"{s} {name}: ours {value:#x}, headers {found[name]:#x}")
            elif name not in allowed:
                problems.append(f"{s} {name}: not in {', '.join(HEADERS[s])}")
        for name in allowed:
            if name in found:
                problems.append(f"{s} {name}: listed as absent from the headers but they define it")
        print(f"{s}: {len(found)} of {len(entries[s])} names checked")
    for p in problems:
        print(p)
    print(f"{checked} values checked, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
