#!/usr/bin/env python3
"""The HTML review report in a real browser: headless Chromium parses it (its DOM holds the
tables the report promises, with the rows of the evidence), lays it out in a 1400 px window
and in an A4 page's width with the print styles, where nothing may overflow sideways and the
Origin, Decision and Docker-default columns must be on the page, and renders a screenshot,
kept beside the test's outputs as an artifact. Skips (77) where Chromium is not installed.
Usage: html_render_test.py SYSCRIBE OUTDIR   (run from test/review)"""
import json, os, re, shutil, struct, subprocess, sys, tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'pylib'))
import syscribe_test as t  # noqa: E402
from syscribe_test import check  # noqa: E402

S, OUTDIR = sys.argv[1:3]
browser = shutil.which('chromium') or shutil.which('chromium-browser') or shutil.which('google-chrome')
if not browser:
    t.skip('the HTML report in a browser', 'no Chromium (apt-get install chromium)')
    t.finish()

tmp = tempfile.mkdtemp(prefix='syscribe-html-')


def generate(name, *args):
    report = os.path.join(tmp, name + '.html')
    p = subprocess.run([S, 'generate', '-q', *args, '-o', os.path.join(tmp, name + '.json'), '--report', report],
                       capture_output=True, text=True)
    if p.returncode != 0:
        print(f'FAIL: generate {name}: exit {p.returncode}: {p.stderr}')
        sys.exit(1)
    return report


# A small report, and one shaped like a real recording: long executable paths and argv, many
# processes, a runtime tail, and clone's namespace filter as one long unbreakable word.
risky = generate('risky', 'data/risky.evidence.json', '--review', 'data/decisions.yaml')
wide = generate('wide', 'data/wide.evidence.json', '--review', 'data/wide-decisions.yaml', '--runtime', 'runc',
                '--arch', 'x86_64,aarch64')

# Root needs --no-sandbox; a private profile dir keeps runs apart.
base = [browser, '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars',
        f'--user-data-dir={os.path.join(tmp, "profile")}']

dom = subprocess.run(base + ['--dump-dom', 'file://' + risky], capture_output=True, text=True, timeout=120).stdout
for table in ('summary', 'syscalls-table', 'call-sites-table', 'matrix-table', 'decisions-table'):
    check(f'the browser sees #{table}', f'id="{table}"' in dom, dom[:300])
rows = set(re.findall(r'<tr[^>]* data-syscall="([a-z0-9_]+)"', dom))
check('the syscall rows reach the DOM', {'unshare', 'mount', 'ptrace', 'read'} <= rows, str(sorted(rows)))
check('nothing is fetched from elsewhere', not re.search(r'(src|href)="(https?:)?//', dom))

# The layout, measured in the browser: a copy of the report with a script that writes what it
# measures into the page (the report itself has no scripts).
MEASURE = r'''<script>
(function () {
  const vw = document.documentElement.clientWidth;
  const out = {viewport: vw, scrollWidth: document.documentElement.scrollWidth, columns: {}, overflowing: []};
  const t = document.getElementById('syscalls-table');
  for (const th of t.querySelectorAll('thead th')) {
    const b = th.getBoundingClientRect();
    out.columns[th.textContent.trim()] = {left: Math.round(b.left), right: Math.round(b.right), width: Math.round(b.width)};
  }
  for (const el of document.querySelectorAll('table, td, th, pre, p, div, li')) {
    const b = el.getBoundingClientRect();
    if (b.right > vw + 0.5 || el.scrollWidth > el.clientWidth + 1)
      out.overflowing.push(el.tagName + (el.id ? '#' + el.id : '') + (el.className ? '.' + el.className : '') +
                           ' right=' + Math.round(b.right) + ' scroll=' + el.scrollWidth + ' client=' + el.clientWidth +
                           ' ' + el.textContent.slice(0, 60));
  }
  // Words of headings and prose split across lines ("Insta|nces"): paths may break, words not.
  out.brokenWords = [];
  for (const el of document.querySelectorAll('th, td:not(.mono):not(.args):not(.processes):not(.argv):not(.parents)')) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.parentElement.closest('.mono, code')) continue;
      const re = /(?<![\w\/.+=:-])[A-Za-z]{4,}(?![\w\/.+=:-])/g;  // words, not parts of paths or flag names
      let m;
      while ((m = re.exec(n.data)) !== null) {
        const r = document.createRange();
        r.setStart(n, m.index);
        r.setEnd(n, m.index + m[0].length);
        const tops = new Set(Array.from(r.getClientRects()).map(x => Math.round(x.top)));
        if (tops.size > 1) out.brokenWords.push(m[0]);
      }
    }
  }
  const pre = document.createElement('pre');
  pre.id = 'layout-measured';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>'''


def layout(report, width, tag, printed=False):
    text = open(report).read()
    if printed:  # the print styles, applied on screen at the width A4 leaves inside the margins
        text = text.replace('@media print', '@media all')
        check(f'{tag}: the report has print styles', '@media all' in text)
    copy = os.path.join(tmp, f'{tag}.html')
    open(copy, 'w').write(text.replace('</body>', MEASURE + '</body>'))
    d = subprocess.run(base + [f'--window-size={width},1200', '--dump-dom', 'file://' + copy], capture_output=True,
                       text=True, timeout=120).stdout
    m = re.search(r'<pre id="layout-measured">(.*?)</pre>', d, re.S)
    if not m:
        check(f'{tag}: the layout was measured', False, d[:300])
        return None
    return json.loads(m.group(1).replace('&quot;', '"').replace('&amp;', '&').replace('&lt;', '<').replace('&gt;', '>'))


# A4 is 210 mm wide; the print styles keep 12 mm margins: 186 mm = 703 CSS px at 96 px per inch.
for report, name in ((risky, 'risky'), (wide, 'wide')):
    for width, printed, tag in ((1400, False, f'{name} at 1400 px'), (703, True, f'{name} printed on A4')):
        m = layout(report, width, tag.replace(' ', '-'), printed)
        if m is None:
            continue
        check(f'{tag}: no horizontal overflow', m['scrollWidth'] <= m['viewport'],
              f"document is {m['scrollWidth']} px wide in a {m['viewport']} px viewport")
        check(f'{tag}: no element sticks out or scrolls', not m['overflowing'], '\n  '.join(m['overflowing'][:8]))
        check(f'{tag}: no word of a heading or of prose is split across lines', not m['brokenWords'],
              ', '.join(sorted(set(m['brokenWords']))[:20]))
        for col in ('Origin', 'Decision', 'Docker default'):
            c = m['columns'].get(col)
            check(f'{tag}: the {col} column is on the page and readable',
                  c is not None and c['right'] <= m['viewport'] and c['width'] >= (60 if printed else 90),
                  f"{c} in {m['viewport']} px")

os.makedirs(OUTDIR, exist_ok=True)
shot = os.path.join(OUTDIR, 'review-report.png')
if os.path.exists(shot):
    os.unlink(shot)
subprocess.run(base + ['--window-size=1400,2400', f'--screenshot={shot}', 'file://' + wide], capture_output=True,
               timeout=120)
ok = os.path.exists(shot)
width = height = 0
if ok:
    with open(shot, 'rb') as f:
        head = f.read(24)
    ok = head[:8] == b'\x89PNG\r\n\x1a\n'
    width, height = struct.unpack('>II', head[16:24])
check('a PNG screenshot of the requested size', ok and (width, height) == (1400, 2400), f'{shot}: {width}x{height}')
# A blank or unstyled page compresses to a few KiB; tables, badges and text do not.
size = os.path.getsize(shot) if os.path.exists(shot) else 0
check('the screenshot shows a rendered page', size > 40_000, f'{size} bytes')
print(f'screenshot: {shot}')
shutil.rmtree(tmp, ignore_errors=True)
t.finish('the report renders in Chromium and fits its page')
