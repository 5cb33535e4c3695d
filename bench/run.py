#!/usr/bin/env python3
"""Recording overhead of syscribe against strace, side by side in one interleaved run,
and the memory, merge and placement experiments.

Default mode: each round runs every workload under every variant in a shuffled order (so
drift on a shared, noisy machine spreads over all variants), then the table reports
medians, the ratios of syscribe (its default, the notify engine) to native, strace,
minitrace (the minimal one-stop ptrace seccomp tracer, bench/workloads/minitrace.c) and
mininotify (the minimal seccomp user-notification recorder, bench/workloads/mininotify.c)
with min-max spread, and the tracer's peak RSS; "syscribe ptrace" is `--engine ptrace`.
The server workloads (nginx + wrk, redis-server + redis-benchmark) report requests per
second instead. The variant "syscribe --known" records each workload again with a full
recording of it as the known evidence.

Other modes (one at a time):
  --memory     recorder peak RSS for 10^5..10^7 getppid calls and a 1,000-process fork tree
  --merge      merge 1,000 pod-like evidence files and generate a profile from them
  --placement  minitrace's tracer placement strategies, in µs per stop

Results go to bench/results/{latest,memory,merge,placement}.{json,md}.
Run from anywhere after a build; --build names it (default: build/ or $SYSCRIBE_BUILD).
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import memory  # noqa: E402
import merge  # noqa: E402
import placement  # noqa: E402
import server  # noqa: E402
from common import ROOT, Paths, machine, machine_line, median, run_measured, write_results  # noqa: E402

PYTHON = "/usr/bin/python3"
SERVER = "nginx + wrk"
REDIS = "redis SET"
SERVERS = (SERVER, REDIS)


def count_name(n):
    """200000 -> '200k', 2000 -> '2000': workload names say the size actually run."""
    n = int(n)
    return f"{n // 1000}k" if n >= 10000 and n % 1000 == 0 else str(n)


def workloads(paths, scale):
    n = lambda base: str(max(1, int(base * scale)))
    k = lambda base: count_name(n(base))
    return [
        (f"getppid {k(200000)}", [paths.bin("getppid_loop"), n(200000)]),
        (f"open/read/close {k(200000)}", [paths.bin("open_read_close"), n(200000), "/etc/hostname"]),
        (f"exec /bin/true {k(2000)}", ["/bin/sh", "-c",
                                       f'i=0; while [ $i -lt {n(2000)} ]; do /bin/true; i=$((i+1)); done']),
        (f"4 threads x {k(100000)}", [paths.bin("threads"), "4", n(100000)]),
        (f"python3 start x{k(20)}", ["/bin/sh", "-c", f'for i in $(seq {n(20)}); do {PYTHON} -c pass; done']),
        # Piped through cat: GNU tar skips reading file contents when its archive is /dev/null.
        ("tar c /usr/include", ["/bin/sh", "-c", "tar cf - /usr/include 2>/dev/null | cat >/dev/null"]),
    ]


def variants(paths, tmp, known):
    ev = os.path.join(tmp, "ev.json")
    vs = {
        "native": lambda w, cmd: cmd,
        "strace -f -qq": lambda w, cmd: ["strace", "-f", "-qq", "-o", "/dev/null"] + cmd,
        "strace -f -c": lambda w, cmd: ["strace", "-f", "-c", "-o", "/dev/null"] + cmd,
        "minitrace": lambda w, cmd: [paths.bin("minitrace")] + cmd,
        "mininotify": lambda w, cmd: [paths.bin("mininotify")] + cmd,
        "syscribe": lambda w, cmd: [paths.syscribe, "record", "--quiet", "-o", ev, "--"] + cmd,
        "syscribe ptrace": lambda w, cmd: [paths.syscribe, "record", "--quiet", "--engine", "ptrace", "-o", ev,
                                           "--"] + cmd,
        "syscribe --known": lambda w, cmd: ([paths.syscribe, "record", "--quiet", "--known", known[w],
                                             "-o", ev, "--"] + cmd),
    }
    return vs


TRACERS = {"strace -f -qq", "strace -f -c", "minitrace", "mininotify", "syscribe", "syscribe ptrace",
           "syscribe --known"}
RATIO_BASES = ("native", "strace -f -qq", "minitrace", "mininotify")
RECORDERS = ("syscribe", "syscribe ptrace", "syscribe --known")


def overhead(args, paths):
    paths.check("getppid_loop", "open_read_close", "threads", "minitrace", "mininotify")
    if not shutil.which("strace"):
        sys.exit("bench: strace is not installed (apt-get install strace)")
    rounds = args.rounds or 5
    tmp = tempfile.mkdtemp(prefix="syscribe-bench-")
    ws = workloads(paths, args.scale)
    srv = None
    why_no_server = server.missing()
    if why_no_server:
        print(f"bench: skipping the server workload ({why_no_server})", file=sys.stderr)
    else:
        srv = server.Server(tmp, args.server_seconds, args.connections)
        ws.append((SERVER, None))
    why_no_redis = server.redis_missing()
    if why_no_redis:
        print(f"bench: skipping the redis workload ({why_no_redis})", file=sys.stderr)
    else:
        redis = server.Redis(tmp, args.redis_requests, args.connections)
        ws.append((REDIS, None))
    if args.only:
        ws = [w for w in ws if any(w[0].startswith(p) for p in args.only.split(","))]
    servers = {SERVER: srv, REDIS: None if why_no_redis else redis}
    command = lambda wname, cmd: servers[wname].command() if wname in SERVERS else cmd

    # A full recording of each workload, made once, is the known evidence of --known.
    known = {}
    for wname, cmd in ws:
        known[wname] = os.path.join(tmp, f"known-{len(known)}.json")
        full = [paths.syscribe, "record", "--quiet", "-o", known[wname], "--"] + command(wname, cmd)
        if wname in SERVERS:
            servers[wname].measure(full)
        else:
            run_measured(full, watch_rss=False)
    vs = variants(paths, tmp, known)
    if args.variants:
        vs = {k: v for k, v in vs.items() if k in args.variants.split(",") or k == "native"}

    mach = machine()
    samples = {(w, v): [] for w, _ in ws for v in vs}
    for r in range(rounds):
        for wname, cmd in ws:
            order = list(vs)
            random.shuffle(order)
            for v in order:
                if wname in SERVERS:
                    rps, rss, load = servers[wname].measure(vs[v](wname, command(wname, cmd)))
                    samples[(wname, v)].append({"requests_per_second": rps, "peak_rss_kib": rss, "load": load})
                else:
                    m = run_measured(vs[v](wname, cmd), watch_rss=v in TRACERS)
                    samples[(wname, v)].append({"seconds": m.seconds, "peak_rss_kib": m.rss_kib, "load": m.load})
            key = "requests_per_second" if wname in SERVERS else "seconds"
            print(f"round {r + 1}/{rounds} {wname}: " +
                  ", ".join(f"{v} {samples[(wname, v)][-1][key]:.3f}" for v in vs), file=sys.stderr)
    shutil.rmtree(tmp, ignore_errors=True)

    results, batch, served = [], [], []
    for wname, cmd in ws:
        metric = "requests_per_second" if wname in SERVERS else "seconds"
        row = {"workload": wname, "command": cmd if wname not in SERVERS else wname,
               "metric": metric, "variants": {}, "ratios": {}}
        for v in vs:
            xs = [s[metric] for s in samples[(wname, v)]]
            row["variants"][v] = {metric: xs, "median": median(xs),
                                  "load": [s["load"] for s in samples[(wname, v)]],
                                  "peak_rss_kib": max(s["peak_rss_kib"] for s in samples[(wname, v)])
                                  if v in TRACERS else None}
        for rec in RECORDERS:
            if rec not in vs:
                continue
            s = [x[metric] for x in samples[(wname, rec)]]
            for base in RATIO_BASES:
                if base in vs:
                    b = median([x[metric] for x in samples[(wname, base)]])
                    # Time ratios: recorder time / base time. Throughput: base rps / recorder rps,
                    # so that above 1 always means "syscribe is slower by this factor".
                    r = ([median(s) / b, min(s) / b, max(s) / b] if metric == "seconds"
                         else [b / median(s), b / max(s), b / min(s)])
                    row["ratios"][f"{rec}/{base}"] = dict(zip(("median", "min", "max"), r))
        results.append(row)
        (served if wname in SERVERS else batch).append(row)

    cols = list(vs)
    recs = [v for v in RECORDERS if v in vs]
    bases = [b for b in ("native", "strace -f -qq", "minitrace", "mininotify") if b in vs]
    head = machine_line(mach, f"{rounds} rounds, scale {args.scale}; medians, min-max in brackets.")
    lines = [head]

    def rt(row, key):
        r = row["ratios"].get(key)
        return f"{r['median']:.2f}x ({r['min']:.2f}-{r['max']:.2f})" if r else "-"

    def rss(row):
        k = row["variants"].get("syscribe", {}).get("peak_rss_kib")
        return f"{k / 1024:.0f} MiB" if k else "-"

    def loads(row):
        xs = [x for v in cols for x in row["variants"][v]["load"]]
        return f"{min(xs):.1f}-{max(xs):.1f}"

    ratio_cols = [(r, b) for r in recs for b in bases if not (r != "syscribe" and b != "native")]
    ratio_head = " | ".join(f"{r}/{b.split()[0]}" for r, b in ratio_cols)
    if batch:
        lines += ["", "Batch workloads, seconds (ratios above 1: the recorder is slower by that factor):", "",
                  "| workload | " + " | ".join(cols) + " | " + ratio_head + " | syscribe peak RSS | load |",
                  "|---|" + "---:|" * (len(cols) + len(ratio_cols) + 2)]
        for row in batch:
            cells = [f"{row['variants'][v]['median']:.3f}" for v in cols]
            lines.append(f"| {row['workload']} | " + " | ".join(cells) + " | " +
                         " | ".join(rt(row, f"{r}/{b}") for r, b in ratio_cols) + f" | {rss(row)} | {loads(row)} |")
    if served:
        lines += ["", f"Servers, requests per second: nginx-light (1 worker, a 612-byte page, `wrk -t1 "
                  f"-c{args.connections} -d{args.server_seconds}s`) and redis-server (`redis-benchmark -t set "
                  f"-c {args.connections} -n {args.redis_requests}`). Ratios are base/recorder: above 1, the "
                  "recorder serves that many times fewer:", "",
                  "| server | " + " | ".join(cols) + " | " + ratio_head + " | syscribe peak RSS | load |",
                  "|---|" + "---:|" * (len(cols) + len(ratio_cols) + 2)]
        for row in served:
            cells = [f"{row['variants'][v]['median']:.0f}" for v in cols]
            lines.append(f"| {row['workload']} | " + " | ".join(cells) + " | " +
                         " | ".join(rt(row, f"{r}/{b}") for r, b in ratio_cols) + f" | {rss(row)} | {loads(row)} |")
    md = "\n".join(lines) + "\n"
    write_results(args.out, "latest", {"machine": mach, "rounds": rounds, "scale": args.scale,
                                       "results": results}, md)
    print(md)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--memory", action="store_true", help="peak RSS from 10^5 to 10^7 syscalls and a fork tree")
    mode.add_argument("--merge", action="store_true", help="merge and generate at scale (1,000 evidence files)")
    mode.add_argument("--placement", action="store_true", help="tracer placement strategies (minitrace)")
    ap.add_argument("--build", default=os.environ.get("SYSCRIBE_BUILD", os.path.join(ROOT, "build")),
                    help="build directory holding cli/syscribe and bench/ (default: build/ or $SYSCRIBE_BUILD)")
    ap.add_argument("--rounds", type=int, default=0,
                    help="rounds (default 5; --memory 1; --merge 3; --placement 5)")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every workload's size")
    ap.add_argument("--only", default="", help="comma-separated workload name prefixes")
    ap.add_argument("--variants", default="", help="comma-separated variant names")
    ap.add_argument("--server-seconds", type=int, default=5, help="wrk duration per server run")
    ap.add_argument("--connections", type=int, default=8, help="wrk and redis-benchmark connections")
    ap.add_argument("--redis-requests", type=int, default=20000, help="redis-benchmark requests per run")
    ap.add_argument("--memory-max", type=float, default=1e7, help="largest getppid count for --memory")
    ap.add_argument("--pin", action="store_true",
                    help="--memory: run recorder and workload on CPU 0 (the fast path on an idle VM)")
    ap.add_argument("--merge-files", type=int, default=1000, help="evidence files for --merge")
    ap.add_argument("--alt-syscribe", default="", help="--placement: also time this syscribe binary")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results"))
    args = ap.parse_args()
    if args.rounds < 0 or args.scale <= 0 or args.merge_files < 1:
        sys.exit("bench: --rounds, --scale and --merge-files must be positive")
    paths = Paths(args.build)
    if args.memory:
        memory.run(args, paths)
    elif args.merge:
        merge.run(args, paths)
    elif args.placement:
        placement.run(args, paths)
    else:
        overhead(args, paths)


if __name__ == "__main__":
    main()
