#!/usr/bin/env python3
"""`--json` of lint, diff and review check, parsed: the documented members (docs/json-output.md)
are there with their types, they say what the text output says, stdout holds nothing but the
document, and the exit status is the one without --json.

Usage: check_json_output.py SYSCRIBE SOURCE_ROOT"""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import syscribe_test as t  # noqa: E402
from syscribe_test import check  # noqa: E402

S, ROOT = sys.argv[1], sys.argv[2]
GEN = os.path.join(ROOT, "test", "generator")
REV = os.path.join(ROOT, "test", "review")
T = tempfile.mkdtemp(prefix="syscribe-json-")


def run(*args):
    return t.run(S, *args)


def parse(what, text):
    try:
        return json.loads(text)
    except ValueError as e:
        check(f"{what}: stdout is one JSON document", False, f"{e}: {text[:300]!r}")
        return None


def keys_are(what, doc, keys):
    check(f"{what}: members {keys}", doc is not None and list(doc) == keys, list(doc) if doc else None)


# ---- lint ------------------------------------------------------------------------------
bad, clean = os.path.join(GEN, "data", "lint-bad.json"), os.path.join(GEN, "golden", "webapp.oci.json")
rc_text, out_text, _ = run("lint", bad, clean)
rc, out, err = run("lint", "--json", bad, clean)
doc = parse("lint --json", out)
check("lint --json: exit 1 as without --json", rc == 1 and rc_text == 1, f"{rc} {rc_text} {err}")
keys_are("lint --json", doc, ["format", "version", "ok", "errors", "warnings", "files"])
if doc:
    check("lint --json: format and version", doc["format"] == "syscribe-lint" and doc["version"] == 1, doc)
    files = doc["files"]
    check("lint --json: one entry per file, in order", [f["file"] for f in files] == [bad, clean], files)
    b = files[0]
    keys_are("lint --json file", b, ["file", "ok", "errors", "warnings", "findings"])
    check("lint --json: the bad profile has errors", not b["ok"] and b["errors"] > 0 and not doc["ok"], b)
    check("lint --json: counts add up", b["errors"] == sum(f["severity"] == "error" for f in b["findings"])
          and doc["errors"] == sum(f["errors"] for f in files) and doc["warnings"] == sum(f["warnings"] for f in files), doc)
    check("lint --json: every finding has where, severity, message",
          all(list(f) == ["where", "severity", "message"] and f["severity"] in ("error", "warning") and f["where"].startswith("$")
              for f in b["findings"]), b["findings"])
    check("lint --json: names the unknown syscall at its path",
          any(f["where"] == "$.syscalls[0].names[1]" and "nosuchcall" in f["message"] for f in b["findings"]), b["findings"])
    text = {line for line in out_text.splitlines() if line.startswith(bad + ": $")}
    js = {f"{bad}: {f['where']}: {'warning: ' if f['severity'] == 'warning' else ''}{f['message']}" for f in b["findings"]}
    check("lint --json: the same findings as the text output", text == js, f"{sorted(text ^ js)}")
    check("lint --json: the clean profile is ok", files[1]["ok"] and files[1]["errors"] == 0, files[1])
rc, out, err = run("lint", "--json", clean)
doc = parse("lint --json clean", out)
check("lint --json clean: exit 0, ok", rc == 0 and doc and doc["ok"] is True, f"{rc} {err}")
rc, out, err = run("lint", "--json", clean, os.path.join(GEN, "data", "malformed.evidence.json"))
check("lint --json: an unreadable file prints no JSON and fails", rc != 0 and out == "" and err.count("\n") == 1,
      f"{rc} {out!r} {err!r}")

# ---- diff ------------------------------------------------------------------------------
a, b = os.path.join(GEN, "golden", "webapp.oci.json"), os.path.join(GEN, "golden", "webapp-serving.spo.yaml")
rc_text, out_text, _ = run("diff", a, b)
rc, out, err = run("diff", "--json", a, b)
doc = parse("diff --json", out)
check("diff --json: exit 1 (different) as without --json", rc == 1 and rc_text == 1, f"{rc} {rc_text} {err}")
keys_are("diff --json", doc, ["format", "version", "a", "b", "compared", "same", "changes"])
if doc:
    check("diff --json: header", doc["format"] == "syscribe-diff" and doc["version"] == 1 and doc["a"] == a
          and doc["b"] == b and doc["compared"] == "profiles" and doc["same"] is False, doc)
    ch = doc["changes"]
    check("diff --json: the lines are the text output", [c["line"] for c in ch] == out_text.splitlines(),
          f"{[c['line'] for c in ch][:5]} vs {out_text.splitlines()[:5]}")
    check("diff --json: each change has its members",
          all(list(c) == ["change", "subject", "aspect", "added", "removed", "line"] for c in ch), ch[:2])
    check("diff --json: change matches the sign",
          all({"+": "added", "-": "removed", "~": "changed"}[c["line"][0]] == c["change"] for c in ch), ch[:3])
    gone = [c for c in ch if c["change"] == "removed" and c["subject"] == "fcntl"]
    check("diff --json: fcntl removed, with its rules", len(gone) == 1 and gone[0]["aspect"] == "rules"
          and gone[0]["removed"] and not gone[0]["added"], gone)
rc, out, err = run("diff", "--json", a, a)
doc = parse("diff --json same", out)
check("diff --json of a file with itself: exit 0, same, no changes",
      rc == 0 and doc and doc["same"] is True and doc["changes"] == [], f"{rc} {out[:200]} {err}")
ev_a, ev_b = os.path.join(GEN, "data", "webapp.evidence.json"), os.path.join(GEN, "data", "replica-b.evidence.json")
rc_text, out_text, _ = run("diff", ev_a, ev_b)
rc, out, err = run("diff", "--json", ev_a, ev_b)
doc = parse("diff --json evidence", out)
check("diff --json evidence: compared evidence, same exit, same lines",
      doc and doc["compared"] == "evidence" and rc == rc_text and [c["line"] for c in doc["changes"]] == out_text.splitlines(),
      f"{rc} {rc_text} {out[:300]}")
if doc and doc["changes"]:
    check("diff --json evidence: aspects are arches, processes, an argument or empty",
          all(c["aspect"] in ("", "arches", "processes") or c["aspect"].isidentifier() for c in doc["changes"]), doc["changes"])
rc, out, err = run("diff", "--json", a, ev_a)
check("diff --json profile vs evidence: exit 2, no JSON", rc == 2 and out == "" and "is a profile" in err, f"{rc} {out!r} {err!r}")

# ---- review check ----------------------------------------------------------------------
risky, decisions = os.path.join(REV, "data", "risky.evidence.json"), os.path.join(REV, "data", "decisions.yaml")
rc, out, err = run("review", "check", risky, "--review", decisions, "--json")
doc = parse("review check --json", out)
check("review check --json: exit 0 when nothing is pending", rc == 0, f"{rc} {err}")
keys_are("review check --json", doc, ["format", "version", "evidence", "review", "ok", "decisions", "applied", "pending",
                                      "stale", "undecided", "warnings"])
if doc:
    check("review check --json: header", doc["format"] == "syscribe-review-check" and doc["version"] == 1
          and doc["evidence"] == [risky] and doc["review"] == decisions and doc["ok"] is True, doc)
    check("review check --json: 4 decisions, 3 applied, kexec_load stale",
          doc["decisions"] == 4 and doc["applied"] == 3 and [s["syscall"] for s in doc["stale"]] == ["kexec_load"]
          and doc["stale"][0]["at"].startswith(decisions + ":") and doc["stale"][0]["decision"] == "deny", doc)
    check("review check --json: warnings as on stderr", all(w in err for w in doc["warnings"]) and doc["warnings"], doc["warnings"])
rc, out, err = run("review", "check", risky, "--json")
doc = parse("review check --json without --review", out)
check("review check --json: exit 3 while something is pending", rc == 3, f"{rc} {err}")
if doc:
    check("review check --json: no decisions file", doc["review"] is None and doc["ok"] is False and doc["decisions"] == 0, doc)
    pend = {p["syscall"]: p for p in doc["pending"]}
    check("review check --json: mount, ptrace, unshare pending", sorted(pend) == ["mount", "ptrace", "unshare"], pend)
    m = pend.get("mount", {})
    check("review check --json: a pending syscall's risk, reason, count and uses",
          m.get("risk") == "critical" and m.get("reason") and m.get("count") == 1
          and m.get("uses") == [{"process": "/bin/sh", "phase": "startup"}], m)
skel = os.path.join(T, "skel.yaml")
run("review", "init", risky, "-o", skel)
rc, out, err = run("review", "check", risky, "--review", skel, "--json")
doc = parse("review check --json of a skeleton", out)
check("review check --json of a skeleton: its blank items are undecided",
      rc == 3 and doc and len(doc["undecided"]) == 3 and all(u.startswith(skel + ":") for u in doc["undecided"]),
      f"{rc} {out[:300]}")

t.finish("lint, diff and review check --json parse and agree with their text output")
