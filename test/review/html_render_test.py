#!/usr/bin/env python3
"""The HTML review report in a real browser: headless Chromium parses it (its DOM holds the
tables the report promises, with the rows of the evidence) and renders a screenshot, kept
beside the test's outputs as an artifact. Skips (77) where Chromium is not installed.
Usage: html_render_test.py SYSCRIBE OUTDIR   (run from test/review)"""
import os, re, shutil, struct, subprocess, sys, tempfile

S, OUTDIR = sys.argv[1:3]
browser = shutil.which('chromium') or shutil.which('chromium-browser') or shutil.which('google-chrome')
if not browser:
    print('skipped: no Chromium (apt-get install chromium) to render the HTML report')
    sys.exit(77)

tmp = tempfile.mkdtemp(prefix='syscribe-html-')
report = os.path.join(tmp, 'report.html')
p = subprocess.run([S, 'generate', '-q', 'data/risky.evidence.json', '--review', 'data/decisions.yaml',
                    '-o', os.path.join(tmp, 'profile.json'), '--report', report], capture_output=True, text=True)
if p.returncode != 0:
    print(f'FAIL: generate exit {p.returncode}: {p.stderr}')
    sys.exit(1)

# Root needs --no-sandbox; a private profile dir keeps runs apart.
base = [browser, '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars',
        f'--user-data-dir={os.path.join(tmp, "profile")}']
url = 'file://' + report
failures = []


def check(what, ok, why=''):
    print(f"{'ok  ' if ok else 'FAIL'} {what}{'' if ok else ': ' + why}", flush=True)
    if not ok:
        failures.append(what)


dom = subprocess.run(base + ['--dump-dom', url], capture_output=True, text=True, timeout=120).stdout
for table in ('summary', 'syscalls-table', 'call-sites-table', 'matrix-table', 'decisions-table'):
    check(f'the browser sees #{table}', f'id="{table}"' in dom, dom[:300])
rows = set(re.findall(r'<tr[^>]* data-syscall="([a-z0-9_]+)"', dom))
check('the syscall rows reach the DOM', {'unshare', 'mount', 'ptrace', 'read'} <= rows, str(sorted(rows)))
check('nothing is fetched from elsewhere', not re.search(r'(src|href)="(https?:)?//', dom))

os.makedirs(OUTDIR, exist_ok=True)
shot = os.path.join(OUTDIR, 'review-report.png')
if os.path.exists(shot):
    os.unlink(shot)
subprocess.run(base + ['--window-size=1280,2400', f'--screenshot={shot}', url], capture_output=True, timeout=120)
ok = os.path.exists(shot)
width = height = 0
if ok:
    with open(shot, 'rb') as f:
        head = f.read(24)
    ok = head[:8] == b'\x89PNG\r\n\x1a\n'
    width, height = struct.unpack('>II', head[16:24])
check('a PNG screenshot of the requested size', ok and (width, height) == (1280, 2400), f'{shot}: {width}x{height}')
# A blank or unstyled page compresses to a few KiB; tables, badges and text do not.
size = os.path.getsize(shot) if os.path.exists(shot) else 0
check('the screenshot shows a rendered page', size > 40_000, f'{size} bytes')
print(f'screenshot: {shot}')
shutil.rmtree(tmp, ignore_errors=True)
print(f'{len(failures)} failed' if failures else 'the report renders in Chromium')
sys.exit(1 if failures else 0)
