#!/usr/bin/env python3
"""examples/webhook/record.sh end to end: the webhook recorded under syscribe through
its lifecycle, then a profile generated. Checks that the evidence holds the calls
each stage of the webhook needs (accept4 while serving, fdatasync for an accepted
event, unlink of the pid file at shutdown), that the profile allows them, and that
the script prints where its outputs are and the three-line summary.

Usage: record_test.py RECORD_SH SYSCRIBE WEBHOOK"""
import json
import os
import subprocess
import sys
import tempfile

record_sh, syscribe, webhook = sys.argv[1:4]


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


with tempfile.TemporaryDirectory() as out:
    env = dict(os.environ, SYSCRIBE=syscribe, WEBHOOK=webhook)
    r = subprocess.run([record_sh, out], env=env, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        fail(f"record.sh exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
    lines = r.stdout.splitlines()
    for prefix, path in (("evidence: ", "webhook.evidence.json"), ("profile:  ", "webhook.json")):
        want = prefix + os.path.join(os.path.realpath(out), path)
        if want not in lines:
            fail(f"no line '{want}' in:\n{r.stdout}")
    if not any(l.startswith("recorded: ") for l in lines) or not any(l.startswith("next:     ") for l in lines):
        fail(f"no three-line summary in:\n{r.stdout}")

    ev = json.load(open(os.path.join(out, "webhook.evidence.json")))
    seen = set()
    for proc in ev["processes"]:
        if os.path.basename(proc["exe"]) != "webhook":
            continue
        for arches in proc["phases"].values():
            for calls in arches.values():
                seen.update(calls)
    for call in ("accept4", "fdatasync", "unlink", "bind", "listen", "ppoll"):
        if call not in seen:
            fail(f"the evidence lacks {call}: {sorted(seen)}")

    prof = json.load(open(os.path.join(out, "webhook.json")))
    allowed = {n for rule in prof["syscalls"] if rule["action"] == "SCMP_ACT_ALLOW" for n in rule["names"]}
    missing = {"accept4", "fdatasync", "unlink", "bind", "listen"} - allowed
    if missing:
        fail(f"the profile does not allow {sorted(missing)}")
    events = open(os.path.join(out, "run", "events.jsonl")).read().splitlines()
    if len(events) != 6:
        fail(f"{len(events)} events stored, expected 6 (3 before and 3 after the reload)")
print("record.sh: ok")
