#!/usr/bin/env python3
"""The webhook example through its whole lifecycle, without syscribe: start it on a
free port, run traffic.sh, reload a changed configuration with SIGHUP, run traffic
again, stop it with SIGTERM. Checks the answers (traffic.sh fails on a wrong one),
the structured logs, the events file, the pid file and the exit status.

Usage: webhook_test.py WEBHOOK_BINARY TRAFFIC_SCRIPT"""
import json
import os
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import syscribe_test as t  # noqa: E402
from syscribe_test import free_port, port_open  # noqa: E402

webhook, traffic = sys.argv[1], sys.argv[2]


def fail(msg):
    t.check("the webhook's lifecycle", False, msg)
    t.finish()


def wait_for(cond, what, timeout=10.0):
    if not t.wait_for(cond, timeout):
        fail(f"timed out waiting for {what}")


def write_config(path, port, data, pid, token):
    with open(path, "w") as f:
        json.dump({"listen": "127.0.0.1", "port": port, "data": data, "token": token, "pid_file": pid}, f)


def run_traffic(url, token, tag):
    env = dict(os.environ, TRAFFIC_TAG=tag)
    return subprocess.run([traffic, url, token], env=env, capture_output=True, text=True, timeout=60)


with tempfile.TemporaryDirectory() as tmp:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    config, data, pid_file, log_path = (os.path.join(tmp, n) for n in ("webhook.json", "events.jsonl", "webhook.pid", "log"))
    write_config(config, 1, data, pid_file, "first")  # port 1: --port must override it
    with open(log_path, "w") as log:
        proc = subprocess.Popen([webhook, "--config", config, "--port", str(port)], stdout=log)
    try:
        wait_for(lambda: port_open(port), f"port {port}")
        if not os.path.exists(pid_file):
            fail("no pid file once listening")
        if open(pid_file).read().strip() != str(proc.pid):
            fail(f"pid file holds {open(pid_file).read()!r}, expected {proc.pid}")

        r = run_traffic(url, "first", "before")
        if r.returncode != 0:
            fail(f"traffic before reload: {r.stderr}")

        # Reload a changed token: the old one must be refused afterwards.
        write_config(config, port, data, pid_file, "second")
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "configuration reloaded" in open(log_path).read(), "the reload log line")
        r = run_traffic(url, "first", "stale")
        if r.returncode == 0 or "expected HTTP 202, got 401" not in r.stderr:
            fail(f"the old token still works after reload: rc={r.returncode} {r.stderr}")
        r = run_traffic(url, "second", "after")
        if r.returncode != 0:
            fail(f"traffic after reload: {r.stderr}")

        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if rc != 0:
        fail(f"exit status {rc} after SIGTERM, expected 0")
    if os.path.exists(pid_file):
        fail("pid file left behind after SIGTERM")

    ids = [json.loads(line)["id"] for line in open(data)]
    want = [f"evt-{tag}-{i}" for tag in ("before", "after") for i in (1, 2, 3)]
    if ids != want:
        fail(f"events file holds {ids}, expected {want}")

    lines = [json.loads(line) for line in open(log_path)]  # every line must be JSON
    msgs = [l["msg"] for l in lines]
    for m in ("listening", "configuration reloaded", "stopped"):
        if m not in msgs:
            fail(f"no '{m}' log line in {msgs}")
    statuses = sorted({l["status"] for l in lines if l["msg"] == "request"})
    if statuses != [200, 202, 400, 401, 404, 405]:
        fail(f"logged statuses {statuses}")
    if not all("ts" in l and "level" in l for l in lines):
        fail("a log line lacks ts or level")
t.finish("webhook lifecycle: ok")
