#!/usr/bin/env python3
"""numbers.csv against the kernel headers installed on this machine.

Usage: check_headers.py SYSCALLS_TABLES_DIR

For every arch whose headers are installed (the host's, and Debian's -cross packages),
the arch's column must be exactly what its headers define plus newer.csv's entries for
that arch: no missing name, no extra name, no other number. An arch whose headers are
absent is skipped with a message naming the package. All disagreements are listed.
Exit 0 when all agree, 1 on any disagreement, 77 (meson's "skipped") if no arch could
be checked.
"""
import os
import sys

tables = os.path.abspath(sys.argv[1])
sys.path.insert(0, tables)
import kernel_headers  # noqa: E402
import update_numbers  # noqa: E402


def main():
    table = update_numbers.read_numbers(os.path.join(tables, "numbers.csv"))
    newer = update_numbers.read_newer(os.path.join(tables, "newer.csv"))
    problems, checked = [], []
    for arch in update_numbers.ARCHES:
        try:
            headers = kernel_headers.header_numbers(arch)
        except kernel_headers.HeadersMissing as e:
            print(f"SKIP {arch}: headers not installed (package {e})")
            continue
        checked.append(arch)
        expected = dict(headers)
        for name, nr in newer[arch].items():
            if name in headers and headers[name] != nr:
                problems.append(f"{arch} {name}: newer.csv {nr}, headers {headers[name]}")
            expected[name] = nr
        ours = table[arch]
        for name in sorted(set(expected) | set(ours)):
            want, have = expected.get(name), ours.get(name)
            if want == have:
                continue
            source = "newer.csv" if name in newer[arch] else "headers"
            problems.append(f"{arch} {name}: numbers.csv {have if have is not None else 'absent'}, "
                            f"{source} {want if want is not None else 'absent'}")
        print(f"ok   {arch}: {len(expected)} syscalls compared" if not any(
            p.startswith(arch + " ") for p in problems) else f"FAIL {arch}")
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} disagreement(s); refresh with syscalls-tables/update_numbers.py")
        return 1
    return 0 if checked else 77


if __name__ == "__main__":
    sys.exit(main())
