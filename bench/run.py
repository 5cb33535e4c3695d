#!/usr/bin/env python3
"""Recording overhead of syscribe against strace, side by side in one interleaved session.

Each round runs every workload under every variant in a shuffled order (so drift on a
shared, noisy machine spreads over all variants), then the table reports medians, the
ratios syscribe/native, syscribe/strace and syscribe/minitrace (the minimal one-stop
seccomp tracer, bench/workloads/minitrace.c) with min-max spread, and the tracer's
peak RSS. Results go to bench/results/latest.json and latest.md.

Usage: bench/run.py [--rounds N] [--scale F] [--only NAME,...] [--variants NAME,...]
Run from the repository root after a build (scripts/setup.sh).
"""
import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
SYSCRIBE = os.path.join(BUILD, "cli", "syscribe")
BENCH_BIN = os.path.join(BUILD, "bench")
PYTHON = "/usr/bin/python3"


def workloads(scale):
    n = lambda base: str(max(1, int(base * scale)))
    w = [
        ("getppid 200k", [f"{BENCH_BIN}/getppid_loop", n(200000)]),
        ("open/read/close 200k", [f"{BENCH_BIN}/open_read_close", n(200000), "/etc/hostname"]),
        ("exec /bin/true 2000", ["/bin/sh", "-c",
                                 f'i=0; while [ $i -lt {n(2000)} ]; do /bin/true; i=$((i+1)); done']),
        ("4 threads x 100k", [f"{BENCH_BIN}/threads", "4", n(100000)]),
        ("python3 start x20", ["/bin/sh", "-c", f'for i in $(seq {n(20)}); do {PYTHON} -c pass; done']),
        # Piped through cat: GNU tar skips reading file contents when its archive is /dev/null.
        ("tar c /usr/include", ["/bin/sh", "-c", "tar cf - /usr/include 2>/dev/null | cat >/dev/null"]),
    ]
    return w


def variants(tmp):
    return {
        "native": lambda cmd: cmd,
        "strace -f -qq": lambda cmd: ["strace", "-f", "-qq", "-o", "/dev/null"] + cmd,
        "strace -f -c": lambda cmd: ["strace", "-f", "-c", "-o", "/dev/null"] + cmd,
        "minitrace": lambda cmd: [f"{BENCH_BIN}/minitrace"] + cmd,
        "syscribe": lambda cmd: [SYSCRIBE, "record", "--quiet", "-o", os.path.join(tmp, "ev.json"), "--"] + cmd,
    }


TRACERS = {"strace -f -qq", "strace -f -c", "minitrace", "syscribe"}


def peak_rss_kib(pid, stop, out):
    """Polls VmHWM of `pid` (the tracer) until it exits; keeps the last value read."""
    path = f"/proc/{pid}/status"
    while not stop.is_set():
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        out[0] = max(out[0], int(line.split()[1]))
        except OSError:
            return
        time.sleep(0.02)


def run_once(cmd, tracer):
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    rss = [0]
    stop = threading.Event()
    poller = None
    if tracer:
        poller = threading.Thread(target=peak_rss_kib, args=(proc.pid, stop, rss))
        poller.start()
    _, err = proc.communicate()
    elapsed = time.perf_counter() - start
    stop.set()
    if poller:
        poller.join()
    if proc.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} exited {proc.returncode}: {err.decode(errors='replace')[-400:]}")
    return elapsed, rss[0]


def spread(values):
    return f"{min(values):.3g}-{max(values):.3g}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every workload's size")
    ap.add_argument("--only", default="", help="comma-separated workload name prefixes")
    ap.add_argument("--variants", default="", help="comma-separated variant names")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results"))
    args = ap.parse_args()

    for tool in ("strace",):
        if not shutil.which(tool):
            sys.exit(f"bench: {tool} is not installed (apt-get install {tool})")
    if not os.access(SYSCRIBE, os.X_OK):
        sys.exit(f"bench: {SYSCRIBE} not built (run scripts/setup.sh)")

    tmp = tempfile.mkdtemp(prefix="syscribe-bench-")
    vs = variants(tmp)
    if args.variants:
        vs = {k: v for k, v in vs.items() if k in args.variants.split(",") or k == "native"}
    ws = workloads(args.scale)
    if args.only:
        ws = [w for w in ws if any(w[0].startswith(p) for p in args.only.split(","))]

    times = {(w, v): [] for w, _ in ws for v in vs}
    rss = {(w, v): [] for w, _ in ws for v in vs}
    for r in range(args.rounds):
        for wname, cmd in ws:
            order = list(vs)
            random.shuffle(order)
            for v in order:
                t, m = run_once(vs[v](cmd), v in TRACERS)
                times[(wname, v)].append(t)
                rss[(wname, v)].append(m)
            print(f"round {r + 1}/{args.rounds} {wname}: " +
                  ", ".join(f"{v} {times[(wname, v)][-1]:.3f}s" for v in vs), file=sys.stderr)

    results = []
    for wname, cmd in ws:
        row = {"workload": wname, "command": cmd, "variants": {}}
        for v in vs:
            row["variants"][v] = {"seconds": times[(wname, v)], "median": statistics.median(times[(wname, v)]),
                                  "peak_rss_kib": max(rss[(wname, v)]) if v in TRACERS else None}
        med = lambda v: row["variants"][v]["median"] if v in row["variants"] else None
        ratio = {}
        if "syscribe" in vs:
            s = times[(wname, "syscribe")]
            for base in ("native", "strace -f -qq", "minitrace"):
                if base in vs:
                    b = statistics.median(times[(wname, base)])
                    ratio[f"syscribe/{base}"] = {"median": med("syscribe") / b,
                                                 "min": min(s) / b, "max": max(s) / b}
        row["ratios"] = ratio
        results.append(row)

    machine = {"kernel": platform.release(), "cpus": os.cpu_count(), "machine": platform.machine(),
               "date": time.strftime("%Y-%m-%d", time.gmtime())}
    try:
        with open("/proc/cpuinfo") as f:
            machine["cpu"] = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    os.makedirs(args.out, exist_ok=True)
    report = {"machine": machine, "rounds": args.rounds, "scale": args.scale, "results": results}
    with open(os.path.join(args.out, "latest.json.tmp"), "w") as f:
        json.dump(report, f, indent=2, sort_keys=True)
    os.replace(os.path.join(args.out, "latest.json.tmp"), os.path.join(args.out, "latest.json"))

    cols = [v for v in vs]
    lines = [f"Machine: {machine.get('cpu', '?')}, {machine['cpus']} CPUs, kernel {machine['kernel']}, "
             f"{machine['date']}; {args.rounds} rounds, scale {args.scale}; medians in seconds.", "",
             "| workload | " + " | ".join(cols) + " | syscribe/native | syscribe/strace | syscribe/minitrace | syscribe peak RSS |",
             "|---|" + "---:|" * (len(cols) + 4)]
    for row in results:
        cells = [f"{row['variants'][v]['median']:.3f}" for v in cols]
        def rt(key):
            r = row["ratios"].get(key)
            return f"{r['median']:.2f}x ({r['min']:.2f}-{r['max']:.2f})" if r else "-"
        rss_cell = row["variants"].get("syscribe", {}).get("peak_rss_kib")
        lines.append(f"| {row['workload']} | " + " | ".join(cells) +
                     f" | {rt('syscribe/native')} | {rt('syscribe/strace -f -qq')} | {rt('syscribe/minitrace')} | "
                     f"{(str(rss_cell // 1024) + ' MiB') if rss_cell else '-'} |")
    table = "\n".join(lines) + "\n"
    with open(os.path.join(args.out, "latest.md"), "w") as f:
        f.write(table)
    print(table)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
