"""What every benchmark mode shares: where the binaries are, running one measured process
(wall time, the tracer's peak RSS, the machine's load), medians with spread, and writing
results atomically as JSON and Markdown."""
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Paths:
    """The build the benchmark runs: BUILD/cli/syscribe and the workloads in BUILD/bench."""

    def __init__(self, build):
        self.build = os.path.abspath(build)
        self.syscribe = os.path.join(self.build, "cli", "syscribe")
        self.bench = os.path.join(self.build, "bench")

    def bin(self, name):
        return os.path.join(self.bench, name)

    def check(self, *names):
        missing = [p for p in [self.syscribe] + [self.bin(n) for n in names] if not os.access(p, os.X_OK)]
        if missing:
            sys.exit(f"bench: {missing[0]} is not built (meson setup {self.build} && ninja -C {self.build})")


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def peak_rss_poller(pid, stop, out):
    """Polls VmHWM (the high-water mark, so a missed poll loses nothing but the last
    10 ms) of `pid` until it exits or `stop` is set; keeps the largest value in out[0]."""
    path = f"/proc/{pid}/status"
    while not stop.is_set():
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        out[0] = max(out[0], int(line.split()[1]))
        except OSError:
            return
        time.sleep(0.01)


class Measured:
    """One finished run: seconds, peak RSS of the first process in KiB, stderr, load."""

    def __init__(self, seconds, rss_kib, stderr, load):
        self.seconds, self.rss_kib, self.stderr, self.load = seconds, rss_kib, stderr, load


MAXRSS = re.compile(r"maxrss: (\d+) KiB\n?$")


def run_measured(cmd, watch_rss=True, check=True, env=None, maxrss=None):
    """Runs cmd to completion with stdout discarded. Exits the benchmark with the command's
    stderr tail if it fails and `check` is set. Peak RSS: with `maxrss` (the path of
    workloads/maxrss.c) exact, from wait4, of cmd and the children it reaped (the larger);
    otherwise VmHWM of cmd polled every 10 ms."""
    if maxrss:
        cmd, watch_rss = [maxrss] + cmd, False
    load = loadavg()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=env)
    rss, stop, poller = [0], threading.Event(), None
    if watch_rss:
        poller = threading.Thread(target=peak_rss_poller, args=(proc.pid, stop, rss))
        poller.start()
    _, err = proc.communicate()
    elapsed = time.perf_counter() - start
    stop.set()
    if poller:
        poller.join()
    err = err.decode(errors="replace")
    if check and proc.returncode != 0:
        shown = " ".join(cmd[:6]) + (" ..." if len(cmd) > 6 else "")
        sys.exit(f"bench: {shown} exited {proc.returncode}: {err[-400:]}")
    if maxrss:
        hit = MAXRSS.search(err)
        rss[0] = int(hit[1]) if hit else 0
    return Measured(elapsed, rss[0], err, load)


def spread(values, fmt="{:.3g}"):
    return f"{fmt.format(min(values))}-{fmt.format(max(values))}"


def median(values):
    return statistics.median(values)


def machine():
    m = {"kernel": platform.release(), "cpus": os.cpu_count(), "machine": platform.machine(),
         "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "load_at_start": loadavg()}
    try:
        with open("/proc/cpuinfo") as f:
            m["cpu"] = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return m


def machine_line(m, extra):
    return (f"Machine: {m.get('cpu', '?')}, {m['cpus']} CPUs, kernel {m['kernel']}, {m['date']}; "
            f"load average {m['load_at_start']:.1f} at start, {loadavg():.1f} at end; {extra}")


def write_results(out_dir, name, report, markdown):
    """Writes OUT/NAME.json and OUT/NAME.md atomically (temp file + rename)."""
    os.makedirs(out_dir, exist_ok=True)
    for suffix, text in ((".json", json.dumps(report, indent=2, sort_keys=True) + "\n"), (".md", markdown)):
        path = os.path.join(out_dir, name + suffix)
        with open(path + ".tmp", "w") as f:
            f.write(text)
        os.replace(path + ".tmp", path)
