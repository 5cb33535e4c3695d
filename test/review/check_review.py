#!/usr/bin/env python3
"""Issue 6's review tests through the CLI: the high-risk gate, a decisions file that allows
one syscall and denies two, decision-file errors with positions, stale decisions, `review
init`, and the report read back structurally (Markdown tables, HTML elements).

  check_review.py SYSCRIBE   (run from test/review/, as meson does)
"""
import html.parser
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
import syscribe_test as t  # noqa: E402
from syscribe_test import check  # noqa: E402

S = os.path.realpath(sys.argv[1])
T = tempfile.mkdtemp(prefix="syscribe-review-")


def run(*args):
    return t.run(S, *args)


def out(name):
    return os.path.join(T, name)


# ---- Markdown tables: {heading: [row dicts]} -------------------------------------------
def md_tables(text):
    tables, heading, lines = {}, None, text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        if line.startswith("|") and i + 1 < len(lines) and re.match(r"^\|( --- \|)+$", lines[i + 1]):
            head = split_row(line)
            rows = []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                cells = split_row(lines[i])
                assert len(cells) == len(head), (heading, lines[i])
                rows.append(dict(zip(head, cells)))
                i += 1
            tables.setdefault(heading, rows)
            continue
        i += 1
    return tables


def split_row(line):
    cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    return [c.strip().replace("\\|", "|") for c in cells]


# ---- HTML: elements with their attributes and text, in a tree --------------------------
class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children, self.text = tag, dict(attrs), parent, [], ""

    def all(self, tag=None, **attrs):
        for c in self.children:
            if (tag is None or c.tag == tag) and all(c.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items()):
                yield c
            yield from c.all(tag, **attrs)

    def full_text(self):
        return self.text + "".join(c.full_text() for c in self.children)


class Tree(html.parser.HTMLParser):
    VOID = {"meta", "br", "img", "link", "hr", "input"}

    def __init__(self, text):
        super().__init__()
        self.root = Node("root", [], None)
        self.cur = self.root
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in self.VOID:
            self.cur = n

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        n = self.cur
        while n is not self.root and n.tag != tag:
            n = n.parent
        assert n is not self.root, f"unbalanced </{tag}>"
        self.cur = n.parent

    def handle_data(self, data):
        self.cur.text += data


# 1. The gate: mount, ptrace and unshare without decisions -> exit 3, each with process and phase.
rc, _, err = run("generate", "data/risky.evidence.json", "-o", out("refused.json"), "--report", out("refused.md"))
check(f"generate without decisions: exit 3 expected, got {rc}: {err}", rc == 3)
check("a refused generate wrote the profile", not os.path.exists(out("refused.json")))
for want in [r"^  mount \(critical: .*\): /bin/sh \(startup\)$",
             r"^  ptrace \(critical: .*\): /usr/bin/renderer \(serving\)$",
             r"^  unshare \(high: .*\): /usr/bin/renderer \(startup\)$"]:
    check(f"refusal lists /{want}/: {err}", re.search(want, err, re.M))
check(f"refusal counts 3: {err}", re.search(r"3 high-risk syscalls without a review decision", err))
stack = "mount (libc.so.6) ← sandbox_prepare (libsandbox.so.2) ← main (dash)"
check(f"refusal says where mount was called from: {err}", f"\n    called in /bin/sh from {stack}\n" in err)
if os.path.exists(out("refused.md")):
    rep = open(out("refused.md")).read()
    pending = md_tables(rep).get("Needs a decision", [])
    check(f"refused report lists the 3: {pending}",
          sorted(r["Syscall"] for r in pending) == ["mount", "ptrace", "unshare"])
    check("refused report says so", "**Refused:**" in rep)
else:
    check("a refused generate still writes the report", False)

# 2. Allow unshare (CLONE_NEWUTS only), deny mount and ptrace: the profile holds exactly that.
for decisions in ["data/decisions.yaml", "data/decisions.json"]:
    tag = os.path.basename(decisions).replace(".", "-")
    prof = out(f"{tag}.json")
    rc, _, err = run("generate", "data/risky.evidence.json", "--review", decisions, "--format", "docker", "-o", prof,
                     "--report", out(f"{tag}.md"), "--report", out(f"{tag}.html"))
    check(f"generate --review {decisions}: exit 0 expected, got {rc}: {err}", rc == 0)
    if rc != 0:
        continue
    p = json.load(open(prof))
    names = [n for r in p["syscalls"] for n in r["names"]]
    check(f"{decisions}: denied mount/ptrace have no rule: {names}", "mount" not in names and "ptrace" not in names)
    un = [r for r in p["syscalls"] if "unshare" in r["names"]]
    check(f"{decisions}: one unshare rule: {un}", len(un) == 1 and un[0]["action"] == "SCMP_ACT_ALLOW")
    if un:
        args = un[0].get("args") or []
        check(f"{decisions}: unshare only CLONE_NEWUTS (not the observed CLONE_NEWUTS|CLONE_NEWNET): {args}",
              len(args) == 1 and args[0]["index"] == 0 and args[0]["value"] == 0x4000000 and
              args[0]["op"] in ("SCMP_CMP_EQ", "SCMP_CMP_MASKED_EQ"))
        check(f"{decisions}: the reason is in unshare's comment: {un[0].get('comment')}",
              "review: allowed" in un[0].get("comment", "") and "UTS namespace" in un[0].get("comment", ""))
    read = [r for r in p["syscalls"] if "read" in r["names"]]
    check("ordinary syscalls are still allowed", read and read[0]["action"] == "SCMP_ACT_ALLOW")

# 3. The report, read back: Markdown.
md = open(out("decisions-yaml.md")).read() if os.path.exists(out("decisions-yaml.md")) else ""
tables = md_tables(md)
rows = {r["Syscall"].strip("`"): r for r in tables.get("Syscalls", [])}
check(f"md syscall rows: {sorted(rows)}",
      set(["unshare", "mount", "ptrace", "read", "exit_group", "clone3"]) <= set(rows))
if rows:
    u, m, pt = rows.get("unshare", {}), rows.get("mount", {}), rows.get("ptrace", {})
    check(f"md unshare decision and reason: {u}",
          u.get("Decision") == "allow" and "UTS namespace for the sandboxed renderer" in u.get("Reason", ""))
    check("md reason says who decided", "platform-security" in u.get("Reason", ""))
    check(f"md unshare filter by name: {u.get('Filter')}", u.get("Filter") == "flags only CLONE_NEWUTS")
    check(f"md shows observed values by name: {u}",
          re.search(r"CLONE_NEWUTS ×1, CLONE_NEW(UTS\|CLONE_NEWNET|NET\|CLONE_NEWUTS) ×1", u.get("Argument values", "")))
    check(f"md mount denied with reason: {m}",
          m.get("Action") == "removed (denied)" and m.get("Decision") == "deny" and "bind mount" in m.get("Reason", ""))
    check(f"md flags mount as the shell's only: {m.get('Only by')}", m.get("Only by") == "entrypoint shell")
    check(f"md ptrace row: {pt}", pt.get("Decision") == "deny" and pt.get("Phases") == "serving")
    check("md risks", u.get("Risk") == "**high**" and m.get("Risk") == "**critical**")
    check("md origin of read is observed", "observed" in rows.get("read", {}).get("Origin", ""))
    check("md origin of exit_group", "essential" in rows.get("exit_group", {}).get("Origin", ""))
    check(f"md clone3 stub: {rows.get('clone3')}", rows.get("clone3", {}).get("Action") == "ENOSYS")
decs = {r["Syscall"].strip("`"): r for r in tables.get("Review decisions", [])}
check(f"md stale decision: {decs.get('kexec_load')}",
      decs.get("kexec_load", {}).get("Status", "").startswith("stale: kexec_load is not observed"))
check("md unshare decision applied", decs.get("unshare", {}).get("Status") == "applied")
matrix = {r["Process"]: r for r in tables.get("Processes and phases", [])}
check(f"md matrix rows: {sorted(matrix)}", set(matrix) == {"/bin/sh", "/usr/bin/renderer"})
if matrix:
    check(f"md matrix /bin/sh: {matrix['/bin/sh']}",
          matrix["/bin/sh"]["Role"] == "entrypoint shell" and matrix["/bin/sh"]["serving"] == "–" and
          "mount" in matrix["/bin/sh"]["startup"])
    check(f"md matrix renderer: {matrix['/usr/bin/renderer']}", "ptrace" in matrix["/usr/bin/renderer"]["serving"])
arches = tables.get("Architectures", [])
check(f"md arches: {arches}", [(a["Architecture"], a["Why listed"]) for a in arches] == [("x86_64", "observed")])
beyond = {r["Syscall"].strip("`"): r["Docker's default"] for r in tables.get("Allowed beyond Docker's default (1)", [])}
check(f"md beyond Docker's default: {beyond}", beyond == {"unshare": "only with CAP_SYS_ADMIN"})
sites = md_tables(md).get("Where high-risk calls came from", [])
check(f"md call sites: {sites}",
      [(r["Syscall"], r["Process"], r["Called from"]) for r in sites] == [("`mount`", "/bin/sh", stack)])
check("md removed from Docker's default",
      re.search(r"### Removed from Docker's default \(\d{3}\)\n\n.*\baccept4\b", md))
check("md warns about the stale decision", re.search(r"stale decision .*kexec_load", md))

# 4. The report, read back: HTML (one file, nothing loaded from elsewhere).
if os.path.exists(out("decisions-yaml.html")):
    text = open(out("decisions-yaml.html")).read()
    check("html is self-contained", "<script" not in text and not re.search(r"(src|href)=\"(https?:)?//", text))
    tree = Tree(text).root
    status = next(tree.all(id="status"), None)
    check("html status: written", status is not None and status.attrs.get("data-status") == "written")
    trs = {tr.attrs["data-syscall"]: tr for t in tree.all("table", id="syscalls-table") for tr in t.all("tr")
           if "data-syscall" in tr.attrs}
    check("html unshare allow", trs.get("unshare") is not None and trs["unshare"].attrs.get("data-decision") == "allow")
    if trs.get("unshare") is not None:
        reason = " ".join(d.full_text() for d in trs["unshare"].all("div", **{"class": "reason"}))
        check(f"html unshare reason: {reason}", "UTS namespace" in reason)
    sites = [tr for t in tree.all("table", id="call-sites-table") for tr in t.all("tr") if "data-syscall" in tr.attrs]
    check("html call sites",
          [(tr.attrs["data-syscall"], " ".join(td.full_text() for td in tr.all("td"))) for tr in sites] ==
          [("mount", f"mount /bin/sh {stack}")])
    check("html mount removed",
          trs.get("mount") is not None and trs["mount"].attrs.get("data-action") == "removed (denied)"
          and "removed" in trs["mount"].attrs.get("class", "").split())
    # Argument values and filters sit under their row, across the table.
    details = {tr.attrs["data-detail-of"]: tr.full_text() for t in tree.all("table", id="syscalls-table")
               for tr in t.all("tr") if "data-detail-of" in tr.attrs}
    check(f"html unshare's values and filter under its row: {details.get('unshare')}",
          "flags only CLONE_NEWUTS" in details.get("unshare", "") and "CLONE_NEWNET ×1" in details.get("unshare", ""))
    flags = [s.attrs.get("data-only-by") for s in trs["mount"].all("span")] if trs.get("mount") else []
    check(f"html mount flagged: {flags}", "entrypoint shell" in flags)
    dtrs = {tr.attrs["data-syscall"]: tr for tr in tree.all("tr") if "data-syscall" in tr.attrs and tr.parent.parent and
            tr.parent.parent.attrs.get("id") == "decisions-table"}
    check("html stale", dtrs.get("kexec_load") is not None and dtrs["kexec_load"].attrs.get("data-status") == "stale")
    cells = {(tr.attrs["data-process"], td.attrs.get("data-phase")): td.attrs.get("data-count")
             for tr in tree.all("tr") if "data-process" in tr.attrs for td in tr.all("td") if "data-phase" in td.attrs}
    check(f"html matrix counts: {cells}",
          cells.get(("/bin/sh", "serving")) == "0" and int(cells.get(("/usr/bin/renderer", "serving"), 0)) == 4)
    check("html beyond Docker's default",
          [li.attrs.get("data-syscall") for li in tree.all("li") if li.parent.attrs.get("id") == "beyond-docker"]
          == ["unshare"])
else:
    check("html report written", False)

# 5. Decision-file errors name the position.
rc, _, err = run("generate", "data/risky.evidence.json", "--review", "data/noreason.yaml", "-o", out("x.json"))
check(f"no reason: {rc} {err}",
      rc == 1 and re.search(r"data/noreason\.yaml:5:5: decisions\[1\]\.reason: mount: a decision needs a reason", err))
rc, _, err = run("generate", "data/risky.evidence.json", "--review", "data/unknown-syscall.yaml", "-o", out("x.json"))
check(f"unknown syscall: {rc} {err}",
      rc == 1 and re.search(r"unknown-syscall\.yaml:5:14: decisions\[1\]\.syscall: unknown syscall 'frobnicate'", err))
rc, _, err = run("generate", "data/risky.evidence.json", "--review", "data/conflict.yaml", "-o", out("x.json"))
check(f"conflict: {rc} {err}", rc == 1 and "conflict.yaml:2:5" in err and "conflict.yaml:6:5" in err)
check("nothing written on a bad decisions file", not os.path.exists(out("x.json")))

# 6. A decision scoped to another process does not cover the renderer: still refused, and stale.
rc, _, err = run("generate", "data/risky.evidence.json", "--review", "data/partial.yaml", "-o", out("x.json"))
pending = re.findall(r"^  (\w+) \((?:high|critical): ", err, re.M)
check(f"partial: {rc} {err}", rc == 3 and re.search(r"1 high-risk syscall without", err) and pending == ["unshare"])
check(f"partial: stale scoped decision: {err}", re.search(r"stale decision .*unshare.*not by /usr/bin/helper", err))

# 7. review init lists what needs a decision; the skeleton is refused until filled in.
rc, _, err = run("review", "init", "data/risky.evidence.json", "-o", out("skel.yaml"))
check(f"review init: {rc} {err}", rc == 0)
skel = open(out("skel.yaml")).read() if rc == 0 else ""
items = re.findall(r"^  - syscall: (\w+)$", skel, re.M)
check(f"skeleton items: {items}", items == ["mount", "ptrace", "unshare"])
check(f"skeleton shows values by name: {skel}", "#   flags seen: CLONE_NEWUTS (1x), CLONE_NEW" in skel)
rc, _, err = run("generate", "data/risky.evidence.json", "--review", out("skel.yaml"), "-o", out("x.json"))
check(f"unfilled skeleton refused: {rc} {err}",
      rc == 1 and re.search(r"skel\.yaml:\d+:\d+: decisions\[0\]\.decision: mount: decision must be allow or deny", err))
rc, _, err = run("review", "init", "data/risky.evidence.json", "--review", "data/partial.yaml", "-o", out("skel2.yaml"))
items = re.findall(r"^  - syscall: (\w+)$", open(out("skel2.yaml")).read(), re.M) if rc == 0 else None
check(f"review init --review lists only what is not covered: {items}", items == ["unshare"])

# 8. review check: the same gate without writing a profile.
rc, _, err = run("review", "check", "data/risky.evidence.json", "--review", "data/decisions.yaml")
check(f"review check: {rc} {err}", rc == 0 and "1 stale" in err)
rc, _, err = run("review", "check", "data/risky.evidence.json")
check(f"review check without decisions: {rc}", rc == 3)
# A skeleton being filled in: its blank items are pending (exit 3), not a malformed file;
# one filled item applies.
half = re.sub(r'decision: ""   # allow or deny\n    reason: ""     # required',
              'decision: deny\n    reason: "the service never mounts"', skel, count=1)
open(out("half.yaml"), "w").write(half)
rc, _, err = run("review", "check", "data/risky.evidence.json", "--review", out("half.yaml"))
check(f"review check of a half-filled skeleton: {rc} {err}",
      rc == 3 and len(re.findall(r"half\.yaml:\d+:\d+: not decided yet", err)) == 2 and "ptrace" in err
      and "unshare" in err and "mount (" not in err)

# 9. A key given twice in one decision is an error at the second one (yaml-cpp would read
#    only the first: `decision: allow` then `decision: deny` left mount allowed).
for f, pos in [("data/duplicate-key.yaml", r"duplicate-key\.yaml:5:5"), ("data/duplicate-key.json", r"duplicate-key\.json:2:\d+")]:
    rc, _, err = run("generate", "data/risky.evidence.json", "--review", f, "-o", out("dup.json"))
    check(f"{f}: duplicate key: {rc} {err}",
          rc == 1 and re.search(pos + r": decisions\[0\]: duplicate key 'decision'", err))
    check(f"{f}: nothing written", not os.path.exists(out("dup.json")))
    rc, _, err = run("review", "check", "data/risky.evidence.json", "--review", f)
    check(f"{f}: review check refuses it too: {rc} {err}", rc == 1 and "duplicate key 'decision'" in err)

# 10. review init never replaces the --review file, nor an existing file without --force.
mine = out("mine.yaml")
open(mine, "w").write(open("data/partial.yaml").read())
rc, _, err = run("review", "init", "data/risky.evidence.json", "--review", mine, "-o", mine)
check(f"init -o = --review refused: {rc} {err}", rc == 2 and "is the --review file" in err)
check("init -o = --review left the decisions alone", open(mine).read() == open("data/partial.yaml").read())
rc, _, err = run("review", "init", "data/risky.evidence.json", "-o", mine)
check(f"init refuses an existing -o: {rc} {err}", rc == 2 and "exists" in err and "--force" in err)
check("init left the existing file alone", open(mine).read() == open("data/partial.yaml").read())
rc, _, err = run("review", "init", "data/risky.evidence.json", "-o", mine, "--force")
check(f"init --force replaces it: {rc} {err}", rc == 0 and "- syscall: mount" in open(mine).read())

# 11. With --review, the skeleton's comments count only the uses still pending: the app's two
#     unshare calls are covered by a scoped allow (its flag list spelled with spaces around |),
#     /usr/bin/unshare's one call is not.
rc, _, err = run("review", "init", "data/shared.evidence.json", "--review", "data/scoped.yaml", "-o", out("skel3.yaml"))
skel = open(out("skel3.yaml")).read() if rc == 0 else ""
check(f"init --review scoped: {rc} {err} {skel}",
      rc == 0 and re.findall(r"^  - syscall: (\w+)$", skel, re.M) == ["unshare"])
check(f"skeleton counts the pending call only: {skel}", "#   1 call by /usr/bin/unshare (startup)\n" in skel)
check(f"skeleton shows the pending values only: {skel}", "#   flags seen: CLONE_NEWUTS (1x)\n" in skel)
check(f"skeleton shows the pending call sites only: {skel}",
      "called in /usr/bin/unshare from" in skel and "called in /usr/bin/app" not in skel)
rc, _, err = run("generate", "data/shared.evidence.json", "--review", "data/scoped.yaml", "-o", out("x.json"))
check(f"refusal shows the call sites of pending uses only: {rc} {err}",
      rc == 3 and "called in /usr/bin/unshare from" in err and "called in /usr/bin/app" not in err)

# 12. An allow whose args were never observed says so, and says which observed values it denies.
rc, _, err = run("review", "check", "data/risky.evidence.json", "--review", "data/unobserved-args.yaml")
check(f"never-observed value warned: {rc} {err}",
      rc == 0 and "decision for unshare (data/unobserved-args.yaml:2:5) allows flags CLONE_NEWUSER, never observed" in err)
for v in ["CLONE_NEWUTS", "CLONE_NEWUTS|CLONE_NEWNET"]:
    check(f"denied value {v} warned: {err}", f"observed flags {v} will be denied (not in the decision's args)" in err)
rc, _, err = run("review", "check", "data/shared.evidence.json", "--review", "data/scoped.yaml")
check(f"matching args: no warning (and /usr/bin/unshare's use still pending): {rc} {err}",
      rc == 3 and "never observed" not in err and "will be denied" not in err)

# 13. --exclude-process and a decision's process match an exe through a symlink to it
#     (Debian: /bin/sh -> /usr/bin/dash, and the evidence names /usr/bin/dash, comm sh).
real, link = os.path.realpath(out("real-app")), out("app-link")
open(real, "w").close()
os.symlink(real, link)
ev = json.load(open("data/shared.evidence.json"))
ev["processes"][1]["exe"] = real
open(out("linked.evidence.json"), "w").write(json.dumps(ev))
rc, _, err = run("generate", out("linked.evidence.json"), "--review", "data/scoped.yaml", "--exclude-process", link,
                 "-o", out("excl.json"))
check(f"--exclude-process via symlink: {rc} {err}",
      rc == 0 and f"--exclude-process: {real} (unshare) is left out" in err)
open(out("linked.yaml"), "w").write("decisions:\n  - {syscall: unshare, decision: allow, reason: r, process: /usr/bin/app}\n"
                                    f"  - {{syscall: unshare, decision: allow, reason: r, process: {link}}}\n")
rc, _, err = run("review", "check", out("linked.evidence.json"), "--review", out("linked.yaml"))
check(f"a decision's process matches through a symlink: {rc} {err}", rc == 0 and "0 stale" in err)

# 14. A number argument's value that is not a number is an evidence error, not a silent "any".
rc, _, err = run("generate", "data/bad-arg-value.evidence.json", "--review", "data/decisions.yaml", "-o", out("bad.json"))
check(f"bad arg value refused: {rc} {err}",
      rc == 1 and re.search(r"bad-arg-value\.evidence\.json: \$\.processes\[1\]\.phases\.startup\.x86_64\.unshare\.args\.flags\.zzz: "
                            r"\"zzz\" is not a number", err))
check("nothing written for bad evidence", not os.path.exists(out("bad.json")))

# 15. Masked filters are described by what they let through, not as if the masked value were
#     the only one allowed ("prot only PROT_NONE" for an mprotect of PROT_READ).
rc, _, err = run("generate", "data/shared.evidence.json", "--review", "data/allow-unshare.yaml", "--format", "docker",
                 "--arch", "x86_64,aarch64", "-o", out("masked.json"), "--report", out("masked.md"))
check(f"generate shared: {rc} {err}", rc == 0)
if rc == 0:
    rules = {n: r for r in json.load(open(out("masked.json")))["syscalls"] for n in r["names"]}
    ns = "CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET"
    check(f"clone comment: {rules['clone']}",
          rules["clone"]["comment"].endswith(f"; flags: none of {ns} (other bits any)"))
    check(f"mprotect comment: {rules['mprotect']}",
          rules["mprotect"]["comment"].endswith("; prot: none of PROT_WRITE|PROT_EXEC (other bits any)"))
    check(f"mmap comment: {rules['mmap']}",
          rules["mmap"]["comment"].endswith("; prot: of PROT_WRITE|PROT_EXEC only none, PROT_WRITE or PROT_EXEC "
                                            "(other bits any)"))
    check("no 'only PROT_NONE' anywhere", "only PROT_NONE" not in open(out("masked.json")).read())
    rows = {r["Syscall"].strip("`"): r for r in md_tables(open(out("masked.md")).read()).get("Syscalls", [])}
    check(f"report filter of mprotect: {rows.get('mprotect')}",
          rows.get("mprotect", {}).get("Filter") == "prot: none of PROT_WRITE|PROT_EXEC (other bits any)")

# 16. Small things: the summary's labels, arch reasons and counts; a flag expression with
#     spaces; a truncated JSON decisions file reported at its end.
rc, _, err = run("generate", "data/shared.evidence.json", "--review", "data/allow-unshare.yaml", "--format", "docker",
                 "--arch", "x86_64,aarch64", "-o", out("summary.json"))
check(f"summary labels, one line per reason: {err}",
      rc == 0 and "added: " not in err and "  note: added as essential: exit, restart_syscall, rt_sigreturn\n" in err)
check(f"summary arches: {err}", "arches: x86_64 (observed), aarch64 (asked for with --arch)" in err)
check("1 call, not 1 calls",
      rc == 0 and '"observed: 1 call by /usr/bin/app (startup)' in open(out("summary.json")).read())
rc, _, err = run("generate", "data/risky.evidence.json", "--review", "data/decisions.yaml", "-o", out("summary.json"))
check(f"a denial is not 'added': {err}",
      rc == 0 and "  note: mount: denied by review" in err and "added: mount" not in err)
rc, _, err = run("review", "check", "data/shared.evidence.json", "--review", "data/spaced-flags.yaml")
check(f"a flag expression may have spaces around |: {rc} {err}", rc == 0 and "warning" not in err)
ev = json.load(open("data/shared.evidence.json"))
ev["processes"].append({"exe": "/usr/bin/sleep", "comm": "sleep", "instances": 1, "argv": [["sleep", "1"]], "parents": [],
                        "phases": {"startup": {"x86_64": {"clock_nanosleep": {"count": 1, "first": 0.5, "last": 0.5}}}}})
open(out("sleep.evidence.json"), "w").write(json.dumps(ev))
rc, _, err = run("review", "check", out("sleep.evidence.json"), "--review", "data/allow-unshare.yaml", "--report", out("sleep.md"))
roles = {r["Process"]: r["Role"] for r in md_tables(open(out("sleep.md")).read()).get("Processes and phases", [])} if rc == 0 else {}
check(f"sleep is a helper tool, not a diagnostic one: {rc} {err} {roles}", roles.get("/usr/bin/sleep") == "helper tool")
rc, _, err = run("generate", "data/risky.evidence.json", "--review", "data/truncated.json", "-o", out("x.json"))
check(f"truncated JSON reported at its end: {rc} {err}",
      rc == 1 and re.search(r"truncated\.json:3:44: the file ends before a '\{' is closed", err))

# 17. A decisions file with no decisions was given: the report and the refusal say so, and do not
#     ask for --review.
for name, text in [("empty.yaml", ""), ("no-decisions.yaml", "decisions: []\n")]:
    empty = out(name)
    open(empty, "w").write(text)
    rc, _, err = run("review", "check", "data/risky.evidence.json", "--review", empty, "--report", out(name + ".md"))
    check(f"review check --review {name}: {rc} {err}",
          rc == 3 and "give --review" not in err and f"add them to {empty}" in err and "holds no decisions" in err)
    md = open(out(name + ".md")).read() if os.path.exists(out(name + ".md")) else ""
    check(f"report for {name}: {md[md.find('## Review decisions'):][:200]}",
          f"The decisions file {empty} was given and holds no decisions." in md and "No decisions file was given" not in md)
    rc, _, err = run("generate", "data/risky.evidence.json", "--review", empty, "-o", out("x.json"), "--report",
                     out(name + ".html"))
    html = open(out(name + ".html")).read() if os.path.exists(out(name + ".html")) else ""
    check(f"generate --review {name}: {rc} {err}",
          rc == 3 and "give --review" not in err and "holds no decisions" in html)
    rc, _, err = run("review", "check", "../generator/data/webapp.evidence.json", "--review", empty)
    check(f"review check E --review EMPTY: {rc} {err}",
          rc == 0 and "holds no decisions" in err and "nothing is pending" in err)
rc, _, err = run("review", "check", "data/risky.evidence.json", "--report", out("none.md"))
check(f"without --review the report says none was given: {rc} {err}",
      rc == 3 and "give --review FILE" in err and "No decisions file was given" in open(out("none.md")).read())

# 18. Runtime-tail rows say in words what they are and why; the Notes section does not repeat
#     what a row's Origin and Decision say.
rc, _, err = run("generate", "data/risky.evidence.json", "--review", "data/decisions.yaml", "--runtime", "runc",
                 "-o", out("tail.json"), "--report", out("tail.md"), "--report", out("tail.html"))
md = open(out("tail.md")).read() if rc == 0 else ""
rows = {r["Syscall"].strip("`"): r for r in md_tables(md).get("Syscalls", [])}
capset = rows.get("capset", {}).get("Origin", "")
check(f"runtime tail in words: {rc} {err} {capset}",
      rc == 0 and capset.startswith("runtime tail: runc makes this call itself, between loading the filter and "
                                    "starting the workload. ") and "Measured in every run of podman+runc" in capset
      and "measured: " not in capset)
futex = rows.get("futex", {}).get("Origin", "")
check(f"a call seen in some runs says so: {futex}", re.search(r"in some runs of \S+ \(\d of 5\)", futex))
check("the report explains the measured configurations", "podman-exec+runc (podman exec into a running one)" in md)
notes = md[md.find("## Notes"):] if "## Notes" in md else ""
check(f"notes do not repeat the Origin column: {notes}",
      "added for the runc runtime tail" not in notes and "added as essential" not in notes
      and "denied by review" not in notes)
html = open(out("tail.html")).read() if rc == 0 else ""
check("html: runtime tail in words, notes not repeated",
      "runc makes this call itself" in html and 'id="runtime-tail"' in html and "added for the runc runtime tail" not in html)

# 19. Both reports show how each process was started: its argv and its parent chain.
for cmd in (["generate", "data/shared.evidence.json", "--review", "data/allow-unshare.yaml", "-o", out("argv.json"),
             "--report", out("argv.html")],
            ["review", "check", "data/shared.evidence.json", "--review", "data/allow-unshare.yaml"]):
    rc, _, err = run(*cmd, "--report", out("argv.md"))
    procs = {r["Process"]: r for r in md_tables(open(out("argv.md")).read()).get("How each process was started", [])} \
        if rc == 0 else {}
    check(f"{cmd[0]}: md argv and parents: {rc} {err} {procs}",
          procs.get("/usr/bin/unshare", {}).get("Command line") == "`/usr/bin/unshare -u true`"
          and procs.get("/usr/bin/unshare", {}).get("Started by") == "`/usr/bin/app`"
          and procs.get("/usr/bin/app", {}).get("Role") == "application")
    if os.path.exists(out("argv.md")):
        os.unlink(out("argv.md"))
if os.path.exists(out("argv.html")):
    tree = Tree(open(out("argv.html")).read()).root
    prow = {tr.attrs["data-process"]: tr for t in tree.all("table", id="processes-table") for tr in t.all("tr")
            if "data-process" in tr.attrs}
    un = prow.get("/usr/bin/unshare")
    check(f"html argv and parents: {sorted(prow)}",
          un is not None and "/usr/bin/unshare -u true" in un.full_text() and "/usr/bin/app" in un.full_text())
else:
    check("html report with argv written", False)
ev = json.load(open("data/shared.evidence.json"))
ev["processes"][1]["argv"] = [["/bin/sh", "-c", "exec app --name it's"]]
open(out("quoted.evidence.json"), "w").write(json.dumps(ev))
rc, _, err = run("review", "check", out("quoted.evidence.json"), "--review", "data/allow-unshare.yaml", "--report", out("q.md"))
procs = {r["Process"]: r for r in md_tables(open(out("q.md")).read()).get("How each process was started", [])} if rc == 0 else {}
check(f"an argv word with spaces and quotes is shell-quoted: {rc} {err} {procs.get('/usr/bin/unshare')}",
      procs.get("/usr/bin/unshare", {}).get("Command line") == r"""`/bin/sh -c 'exec app --name it'\''s'`""")

# 20. setsockopt's option names follow the level: TCP_NODELAY (1) at SOL_TCP is not SO_DEBUG;
#     with two levels recorded the evidence cannot pair them, so both candidates are named.
def sockopt_evidence(levels, optnames):
    ev = json.load(open("data/shared.evidence.json"))
    ev["processes"][0]["phases"]["startup"]["x86_64"]["setsockopt"] = {
        "count": 1, "first": 0.1, "last": 0.1, "args": {"level": {l: 1 for l in levels}, "optname": {o: 1 for o in optnames}}}
    path = out(f"sockopt-{len(levels)}.evidence.json")
    open(path, "w").write(json.dumps(ev))
    return path


for levels, optnames, values, filt in [(["0x6"], ["0x1"], "optname: TCP_NODELAY ×1", "optname only TCP_NODELAY"),
                                       (["0x1", "0x6"], ["0x1"], "optname: SO_DEBUG or TCP_NODELAY ×1",
                                        "optname only SO_DEBUG or TCP_NODELAY")]:
    ev = sockopt_evidence(levels, optnames)
    rc, _, err = run("generate", ev, "--review", "data/allow-unshare.yaml", "--format", "docker", "-o", out("so.json"),
                     "--report", out("so.md"))
    rows = {r["Syscall"].strip("`"): r for r in md_tables(open(out("so.md")).read()).get("Syscalls", [])} if rc == 0 else {}
    so = rows.get("setsockopt", {})
    check(f"setsockopt at levels {levels}: {rc} {err} {so}",
          values in so.get("Argument values", "") and so.get("Filter", "").endswith(filt))
    comment = [r.get("comment", "") for r in json.load(open(out("so.json")))["syscalls"] if "setsockopt" in r["names"]] \
        if rc == 0 else []
    check(f"the profile's comment names TCP_NODELAY: {comment}", comment and "TCP_NODELAY" in comment[0])
# A decision may name a level's option.
open(out("so.yaml"), "w").write("decisions:\n  - {syscall: unshare, decision: allow, reason: r}\n"
                                "  - {syscall: setsockopt, decision: allow, reason: r, args: {optname: [TCP_NODELAY]}}\n")
rc, _, err = run("review", "check", sockopt_evidence(["0x6"], ["0x1"]), "--review", out("so.yaml"))
check(f"a decision names TCP_NODELAY: {rc} {err}", rc == 0 and "never observed" not in err)

# 21. A reviewed row says the decision's reason once, in Decision/Reason, not again in Origin;
#     review init and check take --runtime docker as generate does (runc's tail).
rc, _, err = run("review", "check", "data/risky.evidence.json", "--review", "data/decisions.yaml", "--report",
                 out("once.md"))
rows = {r["Syscall"].strip("`"): r for r in md_tables(open(out("once.md")).read()).get("Syscalls", [])} if rc == 0 else {}
u = rows.get("unshare", {})
check(f"the reason is in Reason only: {rc} {err} {u}",
      "UTS namespace" in u.get("Reason", "") and "review:" not in u.get("Origin", "") and
      "UTS namespace" not in u.get("Origin", ""))
rc, _, err = run("review", "check", "data/risky.evidence.json", "--review", "data/decisions.yaml", "--runtime", "docker",
                 "--report", out("docker.md"))
rows = {r["Syscall"].strip("`"): r for r in md_tables(open(out("docker.md")).read()).get("Syscalls", [])} if rc == 0 else {}
check(f"review check --runtime docker adds runc's tail: {rc} {err}",
      rc == 0 and "Docker runs containers with runc" in err and "runtime tail" in rows.get("capset", {}).get("Origin", ""))
rc, _, err = run("review", "init", "data/risky.evidence.json", "--runtime", "docker", "--force", "-o", out("docker.yaml"))
check(f"review init --runtime docker: {rc} {err}", rc in (0, 3) and "unknown runtime" not in err)

print(f"outputs in {T}")
t.finish("the review tests pass")
