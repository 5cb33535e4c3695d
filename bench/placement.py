"""--placement: where should the tracer run relative to its tracees?

Every seccomp stop wakes the tracer and every PTRACE_CONT wakes the tracee. When the two
sleep on different CPUs each wake-up is a cross-CPU interrupt, and on a VM waking an idle
vCPU is a trip through the hypervisor. minitrace (workloads/minitrace.c) carries the
strategies; this mode runs each against the getppid loop and the 4-thread workloads,
interleaved and shuffled per round, and reports microseconds per stop, the tracer's own CPU
time per stop, and the wall time of a 4-thread workload that also computes between its
syscalls (the one that shows whether a strategy serialises threads). For reference it also
runs each workload natively (free, and confined to one CPU), under `syscribe record`
(free, and confined to one CPU with its workload), and under a second syscribe build given
with --alt-syscribe (e.g. one with bench/placement-notes/recorder-follow.patch applied). Their
µs per stop divide wall time by minitrace's stop count for the same workload."""
import random
import re
import sys

from common import machine, machine_line, median, run_measured, spread, write_results

STRATEGIES = [
    ("default", []),
    ("same CPU (pinned)", ["--placement", "same"]),
    ("split: tracer CPU 1, workload CPU 0", ["--placement", "split"]),
    ("follow the tracee", ["--placement", "follow"]),
    ("spin 30 us", ["--spin", "30"]),
    ("follow + spin 30 us", ["--placement", "follow", "--spin", "30"]),
    ("SCHED_FIFO tracer", ["--fifo"]),
]

STATS = re.compile(r"minitrace: stops (\d+) wall ([\d.]+) s tracer-cpu ([\d.]+) s migrations (\d+)")


def workloads(paths, scale):
    n = lambda base: str(max(1, int(base * scale)))
    k = lambda base: f"{int(n(base)) / 1000:g}k"
    return [
        (f"getppid {k(200000)}", [paths.bin("getppid_loop"), n(200000)]),
        (f"4 threads x {k(100000)}", [paths.bin("threads"), "4", n(100000)]),
        # About 10 us of work before each call: the tracer is no longer the only bottleneck,
        # so confining every thread to one CPU costs wall time.
        (f"4 threads x {k(25000)} + work", [paths.bin("threads"), "4", n(25000), "5000"]),
    ]


def others(paths, alt):
    """The non-minitrace rows: native (free and confined to one CPU, the cost of
    serialising the threads when the machine is otherwise idle) and syscribe record."""
    rec = lambda binary: [binary, "record", "--quiet", "-o", "/dev/null", "--"]
    rows = [("native (no tracer)", []), ("native, one CPU", ["taskset", "-c", "0"]),
            ("syscribe record", rec(paths.syscribe)),
            ("syscribe record, one CPU", ["taskset", "-c", "0"] + rec(paths.syscribe))]
    if alt:
        rows.append(("syscribe record (--alt-syscribe)", rec(alt)))
    return rows


def run(args, paths):
    paths.check("minitrace", "getppid_loop", "threads")
    rounds = args.rounds or 5
    ws = workloads(paths, args.scale)
    plain = dict(others(paths, args.alt_syscribe))
    strategies = STRATEGIES + [(name, None) for name in plain]
    samples = {(w, s): [] for w, _ in ws for s, _ in strategies}
    mach = machine()
    for r in range(rounds):
        for wname, cmd in ws:
            order = list(strategies)
            random.shuffle(order)
            for sname, opts in order:
                if opts is None:
                    m = run_measured(plain[sname] + cmd, watch_rss=False)
                    samples[(wname, sname)].append({"wall": m.seconds, "load": m.load})
                    continue
                m = run_measured([paths.bin("minitrace")] + opts + ["--stats"] + cmd, watch_rss=False)
                hit = STATS.search(m.stderr)
                if not hit:
                    sys.exit(f"bench: minitrace printed no stats: {m.stderr[-300:]}")
                stops, wall, cpu, migr = int(hit[1]), float(hit[2]), float(hit[3]), int(hit[4])
                samples[(wname, sname)].append({"wall": m.seconds, "stops": stops, "us_per_stop": wall * 1e6 / stops,
                                                "tracer_cpu_us_per_stop": cpu * 1e6 / stops,
                                                "migrations": migr, "load": m.load})
            print(f"placement round {r + 1}/{rounds} {wname}: " +
                  ", ".join(f"{s} {samples[(wname, s)][-1]['wall']:.2f}s" for s, _ in strategies), file=sys.stderr)

    results = []
    lines = [machine_line(mach, f"{rounds} rounds, scale {args.scale}; medians, min-max in brackets."), "",
             "| workload | strategy | µs per stop | tracer CPU µs per stop | wall s | vs minitrace default | migrations | load |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for wname, _ in ws:
        base = median([x["wall"] for x in samples[(wname, "default")]])
        stops = median([x["stops"] for x in samples[(wname, "default")]])
        for sname, opts in strategies:
            xs = samples[(wname, sname)]
            walls = [x["wall"] for x in xs]
            row = {"workload": wname, "strategy": sname, "minitrace_options": opts, "samples": xs,
                   "wall_median": median(walls), "wall_vs_default": median(walls) / base}
            if opts is not None:
                us = [x["us_per_stop"] for x in xs]
                cpu = [x["tracer_cpu_us_per_stop"] for x in xs]
                row.update(us_per_stop_median=median(us), tracer_cpu_us_per_stop_median=median(cpu))
                cells = (f"{median(us):.1f} ({spread(us, '{:.1f}')}) | {median(cpu):.1f} | ")
                mig = str(int(median([x["migrations"] for x in xs])))
            elif sname.startswith("syscribe"):
                # Same workload, same syscalls: minitrace's stop count stands for syscribe's.
                us = [x["wall"] * 1e6 / stops for x in xs]
                row.update(us_per_stop_median=median(us))
                cells, mig = f"{median(us):.1f} ({spread(us, '{:.1f}')}) | - | ", "-"
            else:
                cells, mig = "- | - | ", "-"
            results.append(row)
            lines.append(f"| {wname} | {sname} | {cells}{median(walls):.3f} | {median(walls) / base:.2f}x | {mig} | "
                         f"{median([x['load'] for x in xs]):.1f} |")
    md = "\n".join(lines) + "\n"
    write_results(args.out, "placement", {"machine": mach, "rounds": rounds, "scale": args.scale,
                                          "results": results}, md)
    print(md)
