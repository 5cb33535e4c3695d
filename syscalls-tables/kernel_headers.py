"""Syscall numbers per arch, read from the kernel's uapi headers through the C preprocessor.

Shared by update_numbers.py (which rewrites numbers.csv) and the table test (which
compares numbers.csv with the headers). Every arch goes through `cpp` so that the
asm-generic headers (aarch64, riscv64, loongarch64) are evaluated exactly as a
compiler for that arch would see them, including their __ARCH_WANT_* switches.
"""
import ast
import os
import re
import subprocess
import tempfile

# Where Debian puts each arch's uapi headers: the host's own, or a -cross package.
HOST_INC = "/usr/include"
HOST_ASM = "/usr/include/x86_64-linux-gnu"

# arch -> (include dirs, header to include, defines, Debian package that ships it)
# The defines are the ones the arch's compiler predefines and that the headers test.
SOURCES = {
    "x86_64": ([HOST_ASM, HOST_INC], "asm/unistd.h", ["__x86_64__", "__LP64__"], "linux-libc-dev"),
    "i386": ([HOST_ASM, HOST_INC], "asm/unistd.h", ["__i386__"], "linux-libc-dev"),
    "x32": ([HOST_ASM, HOST_INC], "asm/unistd.h", ["__x86_64__", "__ILP32__"], "linux-libc-dev"),
    "aarch64": (["/usr/aarch64-linux-gnu/include"], "asm/unistd.h",
                ["__aarch64__", "__LP64__"], "linux-libc-dev-arm64-cross"),
    "arm": (["/usr/arm-linux-gnueabihf/include"], "asm/unistd.h",
            ["__arm__", "__ARM_EABI__"], "linux-libc-dev-armhf-cross"),
    "riscv64": (["/usr/riscv64-linux-gnu/include"], "asm/unistd.h",
                ["__riscv", "__riscv_xlen=64", "__LP64__", "__SIZEOF_POINTER__=8"],
                "linux-libc-dev-riscv64-cross"),
    "s390x": (["/usr/s390x-linux-gnu/include"], "asm/unistd.h",
              ["__s390__", "__s390x__", "__LP64__"], "linux-libc-dev-s390x-cross"),
    "ppc64le": (["/usr/powerpc64le-linux-gnu/include"], "asm/unistd.h",
                ["__powerpc__", "__powerpc64__", "__LP64__", "__LITTLE_ENDIAN__"],
                "linux-libc-dev-ppc64el-cross"),
}

# loongarch64 has no Debian cross headers in bookworm. Its uapi asm/unistd.h is only
# asm-generic/unistd.h with these switches, so we evaluate the host's copy of the
# generic header with them. Kernel 6.11 moved the generic arches to scripts/syscall.tbl
# and, in doing so, gave loongarch fstat (80) and newfstatat (79) back (its abi list is
# "common,64", and both are "64" entries). We record that newest view, hence
# __ARCH_WANT_NEW_STAT, which 6.1's arch/loongarch/include/uapi/asm/unistd.h lacks.
# No renameat, getrlimit/setrlimit or memfd_secret on loongarch.
LOONGARCH_WANTS = ["__ARCH_WANT_SYS_CLONE", "__ARCH_WANT_SYS_CLONE3", "__ARCH_WANT_NEW_STAT"]

# Macros that look like syscall numbers but are not syscalls.
NOT_SYSCALLS = {"syscalls", "arch_specific_syscall", "SYSCALL_BASE", "OABI_SYSCALL_BASE",
                "SYSCALL_MASK", "BASE"}


class HeadersMissing(Exception):
    """The arch's headers are not installed; str() says which package provides them."""


def _run_cpp(args, text):
    proc = subprocess.run(["cpp", "-undef", "-nostdinc", "-P"] + args + ["-"], input=text,
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"cpp {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc.stdout


def _eval_int(expr):
    """Evaluates the integer expression a header macro expands to: literals, + - * | << and ()."""
    expr = re.sub(r"\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]+\b", r"\1", expr.strip())
    node = ast.parse(expr, mode="eval").body

    def ev(n):
        if isinstance(n, ast.Constant) and isinstance(n.value, int):
            return n.value
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            return -ev(n.operand)
        if isinstance(n, ast.BinOp):
            a, b = ev(n.left), ev(n.right)
            ops = {ast.Add: lambda: a + b, ast.Sub: lambda: a - b, ast.Mult: lambda: a * b,
                   ast.BitOr: lambda: a | b, ast.LShift: lambda: a << b}
            for op_type, fn in ops.items():
                if isinstance(n.op, op_type):
                    return fn()
        raise ValueError(f"cannot evaluate {expr!r}")

    return ev(node)


def _numbers_from(include_dirs, header, defines, prelude=""):
    """Names and numbers of every __NR_* (and ARM's __ARM_NR_*) macro the header defines."""
    args = []
    for d in include_dirs:
        args += ["-I", d]
    for d in defines:
        args += ["-D" + d]
    source = prelude + f"#include <{header}>\n"
    macros = _run_cpp(["-dM"] + args, source)
    names, bodies = [], {}
    for line in macros.splitlines():
        m = re.match(r"#define (__NR_|__ARM_NR_)(\w+)\s+(.*)$", line)
        if m and m.group(2) not in NOT_SYSCALLS and not m.group(2).startswith("3264_"):
            names.append((m.group(1), m.group(2)))
            bodies[m.group(2)] = m.group(3).strip()
    # A macro defined as another syscall's macro is a second name for that syscall
    # (arm: __NR_sync_file_range2 is __NR_arm_sync_file_range): keep only the real one.
    names = [(p, n) for p, n in names
             if not (bodies[n].startswith("__NR_") and bodies[n][5:] in bodies)]
    probe = source + "".join(f"SYSCRIBE_NR {name} {prefix}{name}\n" for prefix, name in names)
    numbers = {}
    for line in _run_cpp(args, probe).splitlines():
        if line.startswith("SYSCRIBE_NR "):
            _, name, expr = line.split(" ", 2)
            numbers[name] = _eval_int(expr)
    return numbers


def header_numbers(arch):
    """{name: number} for one arch from its installed headers. x32 numbers keep the x32 bit.

    Raises HeadersMissing when the arch's headers are not installed."""
    if arch == "loongarch64":
        if not os.path.exists(os.path.join(HOST_INC, "asm-generic/unistd.h")):
            raise HeadersMissing("linux-libc-dev")
        with tempfile.TemporaryDirectory() as tmp:
            # A 64-bit asm/bitsperlong.h in front of the host's (which is x86's).
            os.makedirs(os.path.join(tmp, "asm"))
            with open(os.path.join(tmp, "asm", "bitsperlong.h"), "w", encoding="utf-8") as f:
                f.write("#define __BITS_PER_LONG 64\n#include <asm-generic/bitsperlong.h>\n")
            return _numbers_from([tmp, HOST_INC], "asm-generic/unistd.h",
                                 ["__loongarch__", "__loongarch64", "__LP64__"] + LOONGARCH_WANTS)
    include_dirs, header, defines, package = SOURCES[arch]
    if not os.path.exists(os.path.join(include_dirs[0], header)):
        raise HeadersMissing(package)
    return _numbers_from(include_dirs, header, defines)
