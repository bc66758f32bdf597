"""``--format html``: one self-contained page (no network, no external files) to read a run.

For each file: its text as written with every finding highlighted (severity shown by
colour *and* underline style *and* a text badge), details on hover (``title``) and on click
or Enter (the finding opens in the list beside it), the anatomy as a checklist whose
evidence can be highlighted in its own colour, the score, band and dimension bars. With
several files an index comes first, sortable by any column. The rules that fired are
explained at the end of the page, so a link to a rule works offline.
"""

from __future__ import annotations

import html
from itertools import pairwise

from ..models import ELEMENT_NAMES, SEVERITY_RANK, Finding, Report, RunReport
from ..ruledoc import explain
from ..rulespec import RuleSpec

_CSS = """
:root { --error: #b00020; --warning: #8a5a00; --info: #0b5f8a; --ev: #1b6e3a; }
body { font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 75rem;
       padding: 1rem 1.5rem; color: #1a1a1a; background: #fff; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.3rem; margin-top: 2.5rem; }
table { border-collapse: collapse; } th, td { padding: .3rem .6rem; text-align: left;
  border-bottom: 1px solid #ccc; }
th button { font: inherit; font-weight: 600; background: none; border: 0; padding: 0;
  cursor: pointer; text-decoration: underline; }
.file { border-top: 3px solid #444; }
.columns { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1.5rem; }
@media (max-width: 60rem) { .columns { grid-template-columns: 1fr; } }
pre.message { white-space: pre-wrap; word-wrap: break-word; font: 15px/1.7 ui-monospace,
  monospace; background: #f7f7f7; padding: 1rem; border: 1px solid #ddd; }
mark { background: none; color: inherit; cursor: pointer; text-decoration-thickness: 2px;
  text-underline-offset: 3px; }
mark.sev-error { background: #fde7ea; text-decoration: underline solid var(--error); }
mark.sev-warning { background: #fff2d6; text-decoration: underline dashed var(--warning); }
mark.sev-info { background: #e3f1f9; text-decoration: underline dotted var(--info); }
mark:focus, mark.current { outline: 3px solid #1a1a1a; outline-offset: 1px; }
.show-evidence .ev { box-shadow: inset 0 -0.55em #cfeedd; }
.badge { display: inline-block; min-width: 4.8em; font-size: .8rem; font-weight: 700;
  text-align: center; border-radius: 3px; color: #fff; padding: 0 .3em; }
.badge.sev-error { background: var(--error); } .badge.sev-warning { background: var(--warning); }
.badge.sev-info { background: var(--info); }
ol.findings { padding-left: 1.2rem; } ol.findings li { margin: .4rem 0; }
ol.findings li.current > details { outline: 3px solid #1a1a1a; }
details summary { cursor: pointer; } .where { color: #555; font-variant-numeric: tabular-nums; }
ul.anatomy { list-style: none; padding: 0; } ul.anatomy li { margin: .15rem 0; }
.state { display: inline-block; width: 9.5em; font-weight: 700; }
.present .state { color: var(--ev); } .missing .state { color: var(--error); }
.conditional .state { color: var(--warning); }
.dims { display: grid; grid-template-columns: 6em 1fr 3em; gap: .2rem .6rem;
  align-items: center; }
.bar { height: .8rem; background: #e5e5e5; } .bar span { display: block; height: 100%;
  background: #444; }
.legend span { margin-right: 1rem; }
"""

_SCRIPT = """
document.querySelectorAll('th button[data-sort]').forEach(function (button) {
  button.addEventListener('click', function () {
    var table = button.closest('table'), body = table.tBodies[0];
    var key = button.dataset.sort, numeric = button.dataset.numeric === 'yes';
    var ascending = button.getAttribute('aria-sort') !== 'ascending';
    table.querySelectorAll('th').forEach(function (th) { th.removeAttribute('aria-sort'); });
    table.querySelectorAll('th button').forEach(function (b) { b.removeAttribute('aria-sort'); });
    button.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    button.closest('th').setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.dataset[key], y = b.dataset[key];
      var order = numeric ? Number(x) - Number(y) : x.localeCompare(y);
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
});
function openFinding(mark) {
  document.querySelectorAll('.current').forEach(function (el) { el.classList.remove('current'); });
  mark.classList.add('current');
  var first = null;
  mark.dataset.findings.split(' ').forEach(function (id) {
    var item = document.getElementById(id);
    if (!item) { return; }
    item.classList.add('current');
    item.querySelector('details').open = true;
    if (!first) { first = item; }
  });
  if (first) { first.scrollIntoView({block: 'nearest'}); }
  var status = mark.closest('.file').querySelector('[role=status]');
  if (status) { status.textContent = mark.getAttribute('title'); }
}
document.querySelectorAll('mark[data-findings]').forEach(function (mark) {
  mark.addEventListener('click', function () { openFinding(mark); });
  mark.addEventListener('keydown', function (event) {
    if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); openFinding(mark); }
  });
});
document.querySelectorAll('button[data-evidence]').forEach(function (button) {
  button.addEventListener('click', function () {
    var section = document.getElementById(button.dataset.evidence);
    var on = section.classList.toggle('show-evidence');
    section.querySelectorAll('button[data-evidence]').forEach(function (b) {
      b.setAttribute('aria-pressed', on ? 'true' : 'false');
      b.textContent = on ? 'Hide evidence' : 'Highlight evidence';
    });
  });
});
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _marked_text(report: Report, source: str, prefix: str) -> str:
    """The source with findings as ``<mark>`` and evidence as ``.ev`` spans; boundaries
    are split so overlapping ranges never produce overlapping tags."""
    ranges: list[tuple[int, int, str, str]] = []  # start, end, kind, id-or-class
    for n, f in enumerate(report.findings):
        ranges.append((f.span.start, max(f.span.end, f.span.start + 1), "finding",
                       f"{prefix}-f{n}"))
    for name in ELEMENT_NAMES:
        for e in getattr(report.elements, name):
            ranges.append((e.start, e.end, "evidence", f"ev-{name}"))
    cuts = sorted({0, len(source), *(r[0] for r in ranges), *(r[1] for r in ranges)})
    findings = {f"{prefix}-f{n}": f for n, f in enumerate(report.findings)}
    out = []
    for start, end in pairwise(cuts):
        if end <= start or start >= len(source):
            continue
        text = _e(source[start:end])
        covering = [r for r in ranges if r[0] <= start and end <= r[1]]
        evidence = sorted({r[3] for r in covering if r[2] == "evidence"})
        if evidence:
            text = f'<span class="ev {" ".join(evidence)}">{text}</span>'
        ids = [r[3] for r in covering if r[2] == "finding"]
        if ids:
            worst = max((findings[i] for i in ids), key=lambda f: SEVERITY_RANK[f.severity])
            title = "; ".join(f"{findings[i].severity} {findings[i].rule}" for i in ids)
            text = (f'<mark class="sev-{worst.severity}" tabindex="0" role="button" '
                    f'data-findings="{" ".join(ids)}" title="{_e(title)}" '
                    f'aria-label="{_e(title)}">{text}</mark>')
        out.append(text)
    return "".join(out)


def _finding_item(f: Finding, item_id: str, known: set[str]) -> str:
    rule_link = (f' <a href="#rule-{_e(f.rule)}">About {_e(f.rule)}</a>'
                 if f.rule in known else "")
    return (f'<li id="{item_id}" class="finding sev-{f.severity}"><details><summary>'
            f'<span class="badge sev-{f.severity}">{f.severity.upper()}</span> '
            f'<strong>{_e(f.rule)}</strong> <span class="where">line {f.span.line}, '
            f'column {f.span.column}</span> · “{_e(f.text[:80])}”</summary>'
            f'<p>{_e(f.message)}</p><p><strong>Instead:</strong> {_e(f.suggestion)}</p>'
            f'<p>{rule_link}</p></details></li>')


def _anatomy(report: Report, section_id: str) -> str:
    present = set(report.elements.present())
    items = []
    for name in ELEMENT_NAMES:
        if name in present:
            state, label = "present", "✓ present"
        elif name in report.elements.conditional:
            state, label = "conditional", "~ some branches"
        else:
            state, label = "missing", "✗ missing"
        count = len(getattr(report.elements, name))
        evidence = f" ({count} evidence)" if count else ""
        items.append(f'<li class="{state}"><span class="state">{label}</span> '
                     f'{name.replace("_", " ")}{evidence}</li>')
    return (f'<ul class="anatomy">{"".join(items)}</ul>'
            f'<button type="button" data-evidence="{section_id}" aria-pressed="false">'
            'Highlight evidence</button>')


def _dimensions(report: Report) -> str:
    rows = []
    for name, value in report.dimensions.items():
        rows.append(f'<span>{_e(name)}</span><span class="bar" role="img" '
                    f'aria-label="{_e(name)} {value} out of 100"><span style="width:{value}%">'
                    f'</span></span><span>{value}</span>')
    return f'<div class="dims">{"".join(rows)}</div>'


def _file(report: Report, source: str, n: int, known: set[str]) -> str:
    section_id = f"file-{n}"
    counts = (f"{report.count('error')} errors, {report.count('warning')} warnings, "
              f"{report.count('info')} info")
    findings = "".join(_finding_item(f, f"{section_id}-f{i}", known)
                       for i, f in enumerate(report.findings)) or "<li>No findings.</li>"
    return f"""
<section class="file" id="{section_id}" aria-labelledby="{section_id}-title">
<h2 id="{section_id}-title">{_e(report.path or "-")}</h2>
<p><strong>Score {report.score}/100</strong> · {_e(report.band)} · {_e(report.kind)}
({_e(report.kind_source)}) · {counts} · read as {_e(report.syntax)}
{f"· {report.variants} versions linted" if report.variants > 1 else ""}</p>
<p role="status" aria-live="polite" class="where"></p>
<div class="columns">
<div><h3>Message</h3>
<p class="legend"><span><mark class="sev-error">error</mark> solid</span>
<span><mark class="sev-warning">warning</mark> dashed</span>
<span><mark class="sev-info">info</mark> dotted</span> · click or press Enter on a
highlight to open its finding</p>
<pre class="message">{_marked_text(report, source, section_id)}</pre></div>
<div><h3>Findings</h3><ol class="findings">{findings}</ol>
<h3>Anatomy</h3>{_anatomy(report, section_id)}
<h3>Dimensions</h3>{_dimensions(report)}</div>
</div>
</section>"""


def _index(run: RunReport) -> str:
    columns = [("path", "File", "no"), ("score", "Score", "yes"), ("kind", "Kind", "no"),
               ("errors", "Errors", "yes"), ("warnings", "Warnings", "yes"),
               ("infos", "Info", "yes")]
    head = "".join(f'<th scope="col"><button type="button" data-sort="{key}" '
                   f'data-numeric="{numeric}">{label}</button></th>'
                   for key, label, numeric in columns)
    rows = []
    for n, r in enumerate(run.files):
        rows.append(
            f'<tr data-path="{_e(r.path or "-")}" data-score="{r.score}" data-kind="{r.kind}" '
            f'data-errors="{r.count("error")}" data-warnings="{r.count("warning")}" '
            f'data-infos="{r.count("info")}"><td><a href="#file-{n}">{_e(r.path or "-")}</a>'
            f'</td><td>{r.score} <span class="where">{_e(r.band)}</span></td><td>{r.kind}</td>'
            f'<td>{r.count("error")}</td><td>{r.count("warning")}</td>'
            f'<td>{r.count("info")}</td></tr>')
    return (f'<nav aria-label="Files"><h2>Files</h2><table id="index"><thead><tr>{head}</tr>'
            f'</thead><tbody>{"".join(rows)}</tbody></table></nav>')


def render(run: RunReport, sources: dict[str, str], rules: list[RuleSpec]) -> str:
    used = {f.rule for r in run.files for f in r.findings}
    shown = [rule for rule in rules if rule.id in used]
    s = run.summary
    files = "".join(_file(r, sources.get(r.path or "-", ""), n, {x.id for x in shown})
                    for n, r in enumerate(run.files))
    rule_docs = "".join(f'<section id="rule-{_e(rule.id)}"><h3>{_e(rule.id)}</h3>'
                        f'<pre class="message">{_e(explain(rule))}</pre></section>'
                        for rule in shown)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>apology-lint report</title><style>{_CSS}</style></head>
<body>
<header><h1>apology-lint report</h1>
<p>{s.files} files · {s.errors} errors · {s.warnings} warnings · {s.infos} info ·
mean score {s.mean_score if s.mean_score is not None else "–"} · apology-lint
{_e(run.tool.version)}</p></header>
{_index(run) if len(run.files) > 1 else ""}
<main>{files}</main>
<section aria-labelledby="rules-title"><h2 id="rules-title">The rules that fired</h2>
{rule_docs or "<p>None.</p>"}</section>
<script>{_SCRIPT}</script>
</body></html>
"""
