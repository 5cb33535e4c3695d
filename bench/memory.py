"""--memory: the recorder's peak RSS is bounded by what is distinct (process identity,
phase, syscall, argument value), not by how many syscalls it sees. Records 10^5, 10^6
and 10^7 getppid calls (the same few distinct tuples every time) and a tree of 1,000
processes alive at once, and reports the recorder's peak RSS, wall time and the size of
the evidence it wrote."""
import os
import sys
import tempfile

from common import machine, machine_line, median, run_measured, write_results


def cases(paths, largest):
    cs = []
    n = 100000
    while n <= largest:
        cs.append((f"getppid {n:.0e}".replace("e+0", "e"), [paths.bin("getppid_loop"), str(n)], n))
        n *= 10
    cs.append(("fork tree 1,000 processes", [paths.bin("fork_tree"), "1000", "10"], None))
    return cs


def run(args, paths):
    paths.check("getppid_loop", "fork_tree", "maxrss")
    rounds = args.rounds or 1
    tmp = tempfile.mkdtemp(prefix="syscribe-bench-memory-")
    ev = os.path.join(tmp, "ev.json")
    mach = machine()
    rows = []
    for name, cmd, calls in cases(paths, int(args.memory_max)):
        samples = []
        for r in range(rounds):
            pin = ["taskset", "-c", "0"] if args.pin else []
            m = run_measured(pin + [paths.syscribe, "record", "--quiet", "-o", ev, "--"] + cmd,
                             maxrss=paths.bin("maxrss"))
            samples.append({"seconds": m.seconds, "peak_rss_kib": m.rss_kib, "load": m.load,
                            "evidence_bytes": os.path.getsize(ev)})
            print(f"memory {name} round {r + 1}/{rounds}: {m.seconds:.1f} s, peak RSS {m.rss_kib} KiB",
                  file=sys.stderr)
        rows.append({"case": name, "command": cmd, "syscalls": calls, "samples": samples})
    os.remove(ev)
    os.rmdir(tmp)

    how = "recorder and workload pinned to CPU 0 (--pin)" if args.pin else "default placement"
    lines = [machine_line(mach, f"{rounds} round(s), {how}; `syscribe record` peak RSS from wait4 "
                                "(the workload's own is smaller), median of rounds."), "",
             "| case | wall s | µs per syscall | recorder peak RSS | evidence size |",
             "|---|---:|---:|---:|---:|"]
    for row in rows:
        s = row["samples"]
        sec = median([x["seconds"] for x in s])
        per = f"{sec * 1e6 / row['syscalls']:.1f}" if row["syscalls"] else "-"
        rss = median([x["peak_rss_kib"] for x in s])
        lines.append(f"| {row['case']} | {sec:.1f} | {per} | {rss / 1024:.1f} MiB | "
                     f"{median([x['evidence_bytes'] for x in s]) / 1024:.1f} KiB |")
    md = "\n".join(lines) + "\n"
    write_results(args.out, "memory", {"machine": mach, "rounds": rounds, "pinned": args.pin, "results": rows}, md)
    print(md)
