#!/usr/bin/env python3
"""gen_table.py stops the build, with FILE[:LINE]: message, on data it cannot trust.

Usage: check_gen_table.py SYSCALLS_TABLES_DIR

Runs the generator on the real data (must succeed) and on copies with one defect each
(must fail and say what is wrong). Exit 1 on any case that behaves otherwise.
"""
import os
import shutil
import subprocess
import sys
import tempfile

tables = os.path.abspath(sys.argv[1])


def run(tmp, info_text):
    info = os.path.join(tmp, "info.tsv")
    with open(info, "w", encoding="utf-8") as f:
        f.write(info_text)
    proc = subprocess.run([sys.executable, os.path.join(tables, "gen_table.py"),
                           os.path.join(tables, "numbers.csv"), info, os.path.join(tables, "xlat"),
                           os.path.join(tmp, "out.cpp")], capture_output=True, text=True)
    return proc.returncode, proc.stderr.strip()


def replace_row(text, name, new_row):
    lines = text.split("\n")
    out = [new_row if line.split("\t")[0] == name else line for line in lines]
    out = [line for line in out if line is not None]
    return "\n".join(out)


def main():
    with open(os.path.join(tables, "info.tsv"), encoding="utf-8") as f:
        info = f.read()
    getpid = next(line for line in info.split("\n") if line.startswith("getpid\t"))

    def close(category="file", risk="low", args="fd:fd", equivalents="-", policy="-"):
        # close's row with one cell changed: the mistake each case makes.
        return replace_row(info, "close", "\t".join(["close", category, risk, "closes a fd", args, equivalents, policy]))

    cases = [
        ("missing row", replace_row(info, "getpid", "# removed"), "no row for getpid"),
        ("unknown kind", close(args="fd:filedes"), "unknown argument kind 'filedes'"),
        ("unknown value set", close(args="fd:fd:nosuchset"), "unknown value set 'nosuchset'"),
        ("unknown equivalent", close(equivalents="close4"), "equivalent close4 is not in numbers.csv"),
        ("mask without value", close(args="fd:fd!mask"), "mask needs a value"),
        ("unknown risk", close(risk="severe"), "unknown risk 'severe'"),
        ("unknown category", close(category="files"), "unknown category 'files'"),
        ("duplicate row", info + getpid + "\n", "duplicate syscall getpid"),
        ("six columns", replace_row(info, "close", "close\tfile\tlow\tcloses a fd\tfd:fd\t-"),
         "expected 7 tab-separated columns"),
        ("unknown policy", close(policy="allowed"), "expected -, essential or errno=ENAME,fallback=SYSCALL"),
        ("unknown fallback", close(policy="errno=ENOSYS,fallback=close4"), "fallback close4 is not in numbers.csv"),
        ("bad place", close(args="fd:fd!eq!at=vax:1"), "at= takes ARCH:INDEX"),
        ("name not in numbers.csv", info + "getpid2\tprocess\tlow\tno such syscall\t-\t-\t-\n",
         "getpid2 is not in numbers.csv"),
    ]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        rc, err = run(tmp, info)
        if rc != 0:
            failures.append(f"the real info.tsv fails: {err}")
        for label, text, expected in cases:
            rc, err = run(tmp, text)
            if rc == 0:
                failures.append(f"{label}: accepted")
            elif expected not in err or "info.tsv" not in err:
                failures.append(f"{label}: message {err!r} lacks {expected!r} or the file name")
            else:
                print(f"ok   {label}: {err}")
    for f in failures:
        print("FAIL", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
