"""--merge: merging the evidence of many pods and generating one profile from it.

Makes N evidence files (1,000 by default) from a real recording, the webhook example's
(examples/webhook/expected/webhook.evidence.json), varied the way pods of one deployment
differ: a start time and config path per pod, three image versions (exe paths) in a
rolling upgrade, counts and times that differ, some pods that never saw a reload, some on
IPv6, and every tenth pod with a shell sidecar. Then times `syscribe merge` of all of them,
`syscribe generate` on the merged file, and `syscribe generate` straight from all N files,
with their peak RSS (from wait4, through workloads/maxrss.c)."""
import copy
import json
import os
import random
import shutil
import sys
import tempfile
import time

from common import ROOT, machine, machine_line, median, run_measured, write_results

BASE = os.path.join(ROOT, "examples", "webhook", "expected", "webhook.evidence.json")


def pod_variant(base, i, rng):
    """The base evidence as pod i of a deployment would have recorded it."""
    ev = copy.deepcopy(base)
    rec = ev["recordings"][0]
    old_exe = base["processes"][0]["exe"]
    exe = f"/app/v{i % 3}/webhook"
    config = f"/run/pods/webhook-{i:04d}/webhook.json"
    rec["command"] = [exe, "--config", config]
    rec["started"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1795000000 + 37 * i))
    stretch = rng.uniform(0.5, 3.0)
    rec["duration"] = round(rec["duration"] * stretch, 6)
    reloaded = i % 4 != 0
    rec["marks"] = [dict(m, at=round(m["at"] * stretch, 6)) for m in rec["marks"]
                    if reloaded or m["phase"] != "reload"]
    procs = []
    for p in ev["processes"]:
        p["exe"] = exe if p["exe"] == old_exe else p["exe"]
        p["argv"] = [[exe, "--config", config]]
        if not reloaded:
            p["phases"].pop("reload", None)
        for arches in p["phases"].values():
            for calls in arches.values():
                for name, c in calls.items():
                    k = rng.randint(1, 40)
                    c["count"] *= k
                    c["first"] = round(c["first"] * stretch, 6)
                    c["last"] = round(c["last"] * stretch, 6)
                    for values in c.get("args", {}).values():
                        for v in values:
                            values[v] *= k
                    if name == "execve":
                        c["args"]["filename"] = {exe: c["count"]}
                    if name == "socket" and i % 2:
                        c["args"]["domain"] = {"0xa": c["count"]}
        procs.append(p)
    if i % 10 == 0:
        # A shell sidecar: a different identity with its own small set of calls.
        side = copy.deepcopy(procs[0])
        side.update(exe="/bin/sh", comm="sh", argv=[["/bin/sh", "-c", f"sleep-loop {i}"]], parents=[[]])
        for arches in side["phases"].values():
            for arch, calls in arches.items():
                arches[arch] = {n: c for n, c in calls.items() if n in ("read", "write", "close", "wait4",
                                                                       "rt_sigaction", "execve", "exit_group")}
        procs.append(side)
    ev["processes"] = sorted(procs, key=lambda p: (p["exe"], p["comm"]))
    return ev


def timed(cmd, paths):
    """Runs cmd; returns (seconds, peak RSS KiB from wait4). Exits the benchmark on failure."""
    m = run_measured(cmd, maxrss=paths.bin("maxrss"))
    return m.seconds, m.rss_kib


def run(args, paths):
    paths.check("maxrss")
    rounds = args.rounds or 3
    n = args.merge_files
    with open(BASE) as f:
        base = json.load(f)
    tmp = tempfile.mkdtemp(prefix="syscribe-bench-merge-")
    rng = random.Random(8)
    files = []
    for i in range(n):
        path = os.path.join(tmp, f"pod-{i:04d}.evidence.json")
        with open(path, "w") as f:
            json.dump(pod_variant(base, i, rng), f, indent=2, sort_keys=True)
        files.append(path)
    input_bytes = sum(os.path.getsize(p) for p in files)
    merged = os.path.join(tmp, "merged.json")
    profile = os.path.join(tmp, "profile.json")
    profile2 = os.path.join(tmp, "profile2.json")
    steps = [
        (f"merge {n} files", [paths.syscribe, "merge"] + files + ["-o", merged]),
        ("generate from the merged file", [paths.syscribe, "generate", "-q", merged, "-o", profile]),
        (f"generate from {n} files", [paths.syscribe, "generate", "-q"] + files + ["-o", profile2]),
    ]
    mach = machine()
    samples = {s: [] for s, _ in steps}
    for r in range(rounds):
        for name, cmd in steps:
            samples[name].append(timed(cmd, paths))
        print(f"merge round {r + 1}/{rounds}: " + ", ".join(f"{s} {samples[s][-1][0]:.2f}s" for s, _ in steps),
              file=sys.stderr)
    with open(merged) as f:
        m = json.load(f)
    with open(profile) as f:
        prof = json.load(f)
    summary = {"files": n, "input_bytes": input_bytes, "merged_bytes": os.path.getsize(merged),
               "merged_recordings": len(m["recordings"]), "merged_processes": len(m["processes"]),
               "profile_rules": len(prof.get("syscalls", []))}
    shutil.rmtree(tmp, ignore_errors=True)

    lines = [machine_line(mach, f"{rounds} rounds; medians, min-max in brackets."), "",
             f"{n} evidence files ({input_bytes / 1e6:.1f} MB) varied from the webhook recording; the merged file "
             f"holds {summary['merged_recordings']} recordings and {summary['merged_processes']} process identities "
             f"({summary['merged_bytes'] / 1e6:.1f} MB); the profile has {summary['profile_rules']} rules.", "",
             "| step | seconds | peak RSS |", "|---|---:|---:|"]
    rows = []
    for name, cmd in steps:
        secs = [s for s, _ in samples[name]]
        rss = max(k for _, k in samples[name])
        rows.append({"step": name, "seconds": secs, "peak_rss_kib": rss})
        lines.append(f"| {name} | {median(secs):.2f} ({min(secs):.2f}-{max(secs):.2f}) | {rss / 1024:.0f} MiB |")
    md = "\n".join(lines) + "\n"
    write_results(args.out, "merge", {"machine": mach, "rounds": rounds, "summary": summary, "results": rows}, md)
    print(md)
