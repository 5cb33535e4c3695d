#!/usr/bin/env python3
"""Generates the C++ data behind syscalls.h from numbers.csv, info.tsv and xlat/*.tsv.

Usage: gen_table.py NUMBERS_CSV INFO_TSV XLAT_DIR OUTPUT_CPP

The output is rewritten only when its content changes, so ninja does not rebuild
everything after a touch. Malformed data stops the build with FILE:LINE: message.
"""
import os
import re
import sys

ARCHES = ["x86_64", "i386", "x32", "aarch64", "arm", "riscv64", "s390x", "ppc64le", "loongarch64"]
KINDS = {
    # spec kind: (ArgKind, is32)
    "fd": ("fd", True), "path": ("path", False), "str": ("str", False),
    "int": ("int32", True), "uint": ("uint32", True), "long": ("int64", False),
    "ulong": ("uint64", False), "ptr": ("ptr", False), "pid": ("pid", True),
    "uid": ("uid", True), "mode": ("mode", True),
    "flags32": ("flags", True), "flags64": ("flags", False),
    "enum32": ("enumval", True), "enum64": ("enumval", False),
}
USES = {"record", "eq", "mask"}
RISKS = {"low", "medium", "high", "critical"}
CATEGORIES = {"file", "io", "network", "process", "memory", "signal", "ipc", "time", "security",
              "debug", "privileged", "system", "obsolete"}


def fail(path, lineno, msg):
    sys.exit(f"{path}:{lineno}: {msg}")


def data_lines(path):
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            yield lineno, line


def read_numbers(path):
    numbers = {}
    header_seen = False
    for lineno, line in data_lines(path):
        cells = line.split(",")
        if not header_seen:
            if cells != ["name"] + ARCHES:
                fail(path, lineno, "header must be name," + ",".join(ARCHES))
            header_seen = True
            continue
        if len(cells) != len(ARCHES) + 1:
            fail(path, lineno, f"expected {len(ARCHES) + 1} columns, found {len(cells)}")
        name = cells[0]
        if name in numbers:
            fail(path, lineno, f"duplicate syscall {name}")
        nrs = []
        for arch, cell in zip(ARCHES, cells[1:]):
            if cell == "":
                nrs.append(-1)
            else:
                try:
                    nrs.append(int(cell, 0))
                except ValueError:
                    fail(path, lineno, f"{name}: bad number {cell!r} for {arch}")
        numbers[name] = nrs
    return numbers


def parse_values(path, lineno, text, xlat, xlats):
    """V1|V2|...: names of the argument's value set or numbers."""
    names = dict(xlats.get(xlat, []))
    out = []
    for v in text.split("|"):
        if v in names:
            out.append(names[v])
            continue
        try:
            out.append(int(v, 0))
        except ValueError:
            fail(path, lineno, f"{v!r} is no number and no name of {xlat or 'a value set'}")
    return sorted(set(out))


def parse_arg(path, lineno, spec, xlats):
    whole = spec
    use, mask = "none", 0
    options = []
    if "!" in spec:
        spec, *options = spec.split("!")
        use = options.pop(0)
        if use.startswith("mask="):
            try:
                mask = int(use[5:], 0)
            except ValueError:
                fail(path, lineno, f"bad mask in {use!r}")
            use = "mask"
        if use not in USES:
            fail(path, lineno, f"unknown argument use {use!r}")
        if use == "mask" and mask == 0:
            fail(path, lineno, f"argument {whole!r}: mask needs a value, e.g. !mask=0x6")
    parts = spec.split(":")
    if len(parts) not in (2, 3):
        fail(path, lineno, f"argument {spec!r} must be name:kind[:xlat]")
    name, kind = parts[0], parts[1]
    xlat = parts[2] if len(parts) == 3 else ""
    if kind not in KINDS:
        fail(path, lineno, f"unknown argument kind {kind!r}")
    # SET/ARG=VALUE: names from SET when ARG is VALUE, from SET_value otherwise (syscalls.h).
    if xlat and xlat.split("/")[0] not in xlats:
        fail(path, lineno, f"unknown value set {xlat.split('/')[0]!r} (no xlat/{xlat.split('/')[0]}.tsv)")
    if "/" in xlat and not re.fullmatch(r"[a-z_0-9]+/[a-z_0-9]+=[A-Z_0-9]+", xlat):
        fail(path, lineno, f"value set {xlat!r} must be SET or SET/ARG=VALUE")
    # danger=: values (eq) or bits (mask) that make the call high risk whatever the row says;
    # benign=: values always allowed with the syscall (eq only).
    # at=ARCH:INDEX,...: where the argument sits on arches that order the raw call differently.
    danger, benign, at = [], [], []
    for opt in options:
        key, _, val = opt.partition("=")
        if key not in ("danger", "benign", "at") or not val:
            fail(path, lineno, f"argument {whole!r}: unknown option {opt!r} (danger=V|V, benign=V|V, at=ARCH:N)")
        if key == "at":
            for place in val.split(","):
                arch, _, index = place.partition(":")
                if arch not in ARCHES or not index.isdigit() or int(index) > 5:
                    fail(path, lineno, f"argument {whole!r}: at= takes ARCH:INDEX (0..5), not {place!r}")
                at.append((arch, int(index)))
            continue
        if use not in ("eq", "mask") or (key == "benign" and use != "eq"):
            fail(path, lineno, f"argument {whole!r}: {key}= needs !eq{'' if key == 'benign' else ' or !mask='}")
        vals = parse_values(path, lineno, val, xlat.split("/")[0], xlats)
        if key == "danger" and use == "mask" and any(v & ~mask for v in vals):
            fail(path, lineno, f"argument {whole!r}: danger bits outside the mask")
        (danger if key == "danger" else benign).extend(vals)
    return name, KINDS[kind][0], KINDS[kind][1], xlat, use, mask, danger, benign, at


def parse_policy(path, lineno, name, text, numbers, xlats):
    """The policy cell: (essential, stub errno, fallback)."""
    if text in ("", "-"):
        return False, 0, ""
    if text == "essential":
        return True, 0, ""
    fields = dict(f.partition("=")[::2] for f in text.split(","))
    errnos = dict(xlats.get("errnos", []))
    if set(fields) != {"errno", "fallback"} or fields["errno"] not in errnos:
        fail(path, lineno, f"{name}: policy {text!r}: expected -, essential or errno=ENAME,fallback=SYSCALL")
    if fields["fallback"] not in numbers:
        fail(path, lineno, f"{name}: fallback {fields['fallback']} is not in numbers.csv")
    return False, errnos[fields["errno"]], fields["fallback"]


def read_info(path, numbers, xlats):
    info = {}
    for lineno, line in data_lines(path):
        cells = line.split("\t")
        if cells[0] == "name":
            continue
        if len(cells) != 7:
            fail(path, lineno, f"expected 7 tab-separated columns, found {len(cells)}")
        name, category, risk, reason, args, equivalents, policy = cells
        if name not in numbers:
            fail(path, lineno, f"{name} is not in numbers.csv")
        if name in info:
            fail(path, lineno, f"duplicate syscall {name}")
        if risk not in RISKS:
            fail(path, lineno, f"unknown risk {risk!r}")
        if category not in CATEGORIES:
            fail(path, lineno, f"unknown category {category!r} (one of {', '.join(sorted(CATEGORIES))})")
        if not reason.strip() or reason == "-":
            fail(path, lineno, f"{name}: the reason must say why the risk is {risk}")
        parsed_args = [] if args in ("", "-") else [parse_arg(path, lineno, a, xlats) for a in args.split(";")]
        arg_names = [a[0] for a in parsed_args]
        if len(set(arg_names)) != len(arg_names):
            fail(path, lineno, f"{name}: an argument name appears twice")
        if len(parsed_args) > 6:
            fail(path, lineno, f"{name}: a syscall has at most 6 arguments")
        eqs = [] if equivalents in ("", "-") else equivalents.split(",")
        for e in eqs:
            if e not in numbers:
                fail(path, lineno, f"equivalent {e} is not in numbers.csv")
        info[name] = (category, risk, reason, parsed_args, eqs,
                      parse_policy(path, lineno, name, policy, numbers, xlats))
    missing = sorted(set(numbers) - set(info))
    if missing:
        sys.exit(f"{path}: no row for {', '.join(missing)} (every syscall in numbers.csv needs one)")
    return info


def read_xlats(directory):
    xlats = {}
    for fname in sorted(os.listdir(directory)):
        if not fname.endswith(".tsv"):
            continue
        path = os.path.join(directory, fname)
        entries = []
        for lineno, line in data_lines(path):
            cells = line.split("\t")
            if len(cells) != 2:
                fail(path, lineno, "expected NAME<TAB>VALUE")
            try:
                entries.append((cells[0], int(cells[1], 0)))
            except ValueError:
                fail(path, lineno, f"bad value {cells[1]!r}")
        xlats[fname[:-4]] = entries
    return xlats


def cstr(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def generate(numbers, info, xlats):
    out = ["// Generated by syscalls-tables/gen_table.py: do not edit.",
           '#include "syscalls-tables/table_data.h"', "",
           "namespace syscribe::sys::data {", ""]
    for xname, entries in xlats.items():
        out.append(f"static constexpr XlatEntry xlat_{xname}[] = {{")
        for n, v in entries:
            out.append(f"  {{{cstr(n)}, {v & (2**64 - 1):#x}ULL}},")  # AT_FDCWD is -100
        out.append("};")
    out.append("constinit const XlatSet kXlats[] = {")
    for xname in xlats:
        out.append(f"  {{{cstr(xname)}, std::span<const XlatEntry>(xlat_{xname})}},")
    out.append("};")
    out.append(f"const size_t kXlatCount = {len(xlats)};")
    out.append("")
    for name in sorted(numbers):
        if name not in info:
            continue
        _, _, _, args, eqs, _ = info[name]
        if args:
            for i, a in enumerate(args):
                for label, vals in (("danger", a[6]), ("benign", a[7])):
                    if vals:
                        out.append(f"static constexpr uint64_t {label}_{name}_{i}[] = {{"
                                   f"{', '.join(f'{v:#x}ULL' for v in vals)}}};")
                if a[8]:
                    out.append(f"static constexpr ArgPlace at_{name}_{i}[] = {{"
                               f"{', '.join(f'{{Arch::{arch}, {index}}}' for arch, index in a[8])}}};")
            out.append(f"static constexpr ArgInfo args_{name}[] = {{")
            for i, (an, kind, is32, xlat, use, mask, danger, benign, at) in enumerate(args):
                spans = ", ".join(f"std::span<const uint64_t>({label}_{name}_{i})" if vals else "{}"
                                  for label, vals in (("danger", danger), ("benign", benign)))
                places = f"std::span<const ArgPlace>(at_{name}_{i})" if at else "{}"
                out.append(f"  {{{cstr(an)}, ArgKind::{kind}, {'true' if is32 else 'false'}, "
                           f"{cstr(xlat)}, ArgUse::{use}, {mask:#x}ULL, {spans}, {places}}},")
            out.append("};")
        if eqs:
            out.append(f"static constexpr std::string_view eq_{name}[] = {{{', '.join(cstr(e) for e in eqs)}}};")
    # constexpr/constinit: the arrays are constant-initialized, and the compiler is told so.
    # Declared plain const, gcc emitted a dynamic initializer and spent 7 minutes at -O1/-O2
    # folding it back into data (1 s at -O0); now the file compiles in seconds at any level.
    out.append("constinit const SyscallInfo kSyscalls[] = {")
    for name in sorted(numbers):
        nrs = ", ".join(str(n) for n in numbers[name])
        category, risk, reason, args, eqs, (essential, stub_errno, fallback) = info[name]
        a = f"std::span<const ArgInfo>(args_{name})" if args else "{}"
        e = f"std::span<const std::string_view>(eq_{name})" if eqs else "{}"
        out.append(f"  {{{cstr(name)}, {{{nrs}}}, {cstr(category)}, Risk::{risk}, {cstr(reason)}, {a}, {e}, "
                   f"{'true' if essential else 'false'}, {stub_errno}, {cstr(fallback)}}},")
    out.append("};")
    out.append(f"const size_t kSyscallCount = {len(numbers)};")
    out.append("")
    out.append("}  // namespace syscribe::sys::data")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    numbers_csv, info_tsv, xlat_dir, output = sys.argv[1:]
    numbers = read_numbers(numbers_csv)
    xlats = read_xlats(xlat_dir)
    info = read_info(info_tsv, numbers, xlats)
    text = generate(numbers, info, xlats)
    try:
        with open(output, encoding="utf-8") as f:
            if f.read() == text:
                return
    except FileNotFoundError:
        pass
    with open(output, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
