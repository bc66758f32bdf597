"""``--format html``: one self-contained page (no network, no external files) to read a run.

For each file: the score with what would raise it (and the minimum-score check when it
fails), its text as written with every located finding highlighted (severity shown by
colour *and* underline style *and* a text badge), details on hover (``title``) and on
click or Enter (the finding opens in the list beside it), what is missing from the message
(findings about the whole message: they are listed, never highlighted, as no words are at
fault), the anatomy as a checklist whose evidence can be highlighted in its own colour,
and the dimension bars. With several files an index comes first, sortable by any column.
The rules that fired are explained at the end of the page, each folded until its "About"
link is followed, so a link to a rule works offline.
"""

from __future__ import annotations

import html
import re
from itertools import pairwise

from ..models import (
    ELEMENT_NAMES,
    SEVERITY_RANK,
    Finding,
    Report,
    RunReport,
    ScoreGain,
    ScoreGateFailure,
)
from ..ruledoc import severities
from ..rulespec import RuleSpec
from .text import GAINS_SHOWN, plural

CSS = """
:root { --error: #b00020; --warning: #8a5a00; --info: #0b5f8a; --ev: #1b6e3a; }
body { font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 75rem;
       padding: .5rem 1.5rem 2rem; color: #1a1a1a; background: #fff; }
h1 { font-size: 1.5rem; margin: .5rem 0; } h2 { font-size: 1.25rem; margin: 1.5rem 0 .5rem; }
h3 { font-size: 1.05rem; margin: 1rem 0 .4rem; } p { margin: .4rem 0; }
h2, .where { overflow-wrap: anywhere; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; } th, td { padding: .3rem .6rem; text-align: left;
  border-bottom: 1px solid #ccc; vertical-align: top; }
th button { font: inherit; font-weight: 600; background: none; border: 0; padding: 0;
  cursor: pointer; text-decoration: underline; }
.file { border-top: 3px solid #444; margin-top: 1.5rem; }
.columns { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1.5rem; }
@media (max-width: 60rem) { .columns { grid-template-columns: 1fr; gap: 0; } }
/* On a phone the index is a list of files, each on a few lines, under a row of sort
   buttons: a six-column table does not fit. */
@media (max-width: 60rem) {
  #index, #index thead, #index tbody, #index tr { display: block; }
  #index thead tr { display: flex; flex-wrap: wrap; gap: .2rem .9rem; padding-bottom: .3rem;
    border-bottom: 1px solid #ccc; }
  #index thead tr::before { content: "Sort by:"; color: #555; }
  #index th { border: 0; padding: 0; }
  #index tbody tr { padding: .4rem 0; border-bottom: 1px solid #ccc; }
  #index td { display: inline-block; border: 0; padding: 0 .8rem 0 0; }
  #index td:first-child { display: block; }
  #index td[data-label]::before { content: attr(data-label) ": "; color: #555; }
}
@media (max-width: 30rem) { body { padding: .5rem .75rem 2rem; } pre.message { padding: .6rem; } }
pre.message { white-space: pre-wrap; overflow-wrap: anywhere; font: 15px/1.7 ui-monospace,
  monospace; background: #f7f7f7; padding: 1rem; border: 1px solid #ddd; margin: .4rem 0; }
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
ol.findings, ul.missing { padding-left: 1.2rem; margin: .4rem 0; }
ol.findings li { margin: .3rem 0; }
ol.findings li.current > details { outline: 3px solid #1a1a1a; }
ul.missing { list-style: none; padding: 0; }
ul.missing li { margin: .5rem 0; padding-left: .6rem; border-left: 3px solid #ccc; }
ul.missing li.sev-error { border-color: var(--error); }
ul.missing li.sev-warning { border-color: var(--warning); }
ul.missing li.sev-info { border-color: var(--info); }
.instead { color: #333; font-size: .95rem; }
details summary { cursor: pointer; } .where { color: #555; font-variant-numeric: tabular-nums; }
ul.anatomy { list-style: none; padding: 0; margin: .4rem 0; } ul.anatomy li { margin: .1rem 0; }
.state { display: inline-block; width: 10.5em; font-weight: 700; white-space: nowrap; }
.present .state { color: var(--ev); } .missing .state { color: var(--error); }
.conditional .state { color: var(--warning); }
.dims { display: grid; grid-template-columns: 6em 1fr 3em; gap: .2rem .6rem;
  align-items: center; }
.bar { height: .8rem; background: #e5e5e5; } .bar span { display: block; height: 100%;
  background: #444; }
.legend { font-size: .9rem; } .legend span { margin-right: .8rem; white-space: nowrap; }
.scorebox { background: #f4f4f4; border: 1px solid #ddd; padding: .5rem 1rem; margin: .6rem 0; }
.score { font-size: 1.15rem; }
.gate { border-left: 6px solid var(--error); background: #fde7ea; padding: .4rem .8rem;
  font-weight: 700; color: #5c0010; }
ul.gains { margin: .2rem 0; padding-left: 0; list-style: none; }
ul.gains li { margin: .15rem 0; padding-left: 2.8em; text-indent: -2.8em; }
.points { display: inline-block; width: 2.8em; text-indent: 0; font-weight: 700;
  color: var(--ev); }
.fails { color: var(--error); font-weight: 700; white-space: nowrap; }
details.rule { border: 1px solid #ccc; padding: .3rem .8rem; margin: .4rem 0; }
details.rule[open] { background: #fafafa; }
details.rule:target { outline: 3px solid #1a1a1a; }
details.rule dl { margin: .3rem 0; } details.rule dt { font-weight: 700; margin-top: .5rem; }
details.rule dd { margin: 0; } details.rule ul { margin: .2rem 0; padding-left: 1.2rem; }
details.rule ul.examples { list-style: none; padding-left: 0; }
.examples li { font-style: italic; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; }
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
  // Screen readers hear which finding opened; the status line itself is not shown.
  var status = mark.closest('.file').querySelector('[role=status]');
  if (status) { status.textContent = 'Opened ' + mark.getAttribute('title'); }
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
      b.textContent = on ? 'Hide passages' : 'Highlight passages';
    });
  });
});
// The rules are folded; following an "About" link (or opening the page at one) unfolds it.
// The click handler covers a link to the rule already in the address bar (no hashchange).
function openRule(id) {
  var target = id && document.getElementById(id);
  if (target && target.tagName === 'DETAILS') { target.open = true; }
}
window.addEventListener('hashchange', function () {
  openRule(decodeURIComponent(location.hash.slice(1)));
});
document.querySelectorAll('a[href^="#rule-"]').forEach(function (link) {
  link.addEventListener('click', function () { openRule(link.getAttribute('href').slice(1)); });
});
openRule(decodeURIComponent(location.hash.slice(1)));
"""


def escape(text: object) -> str:
    return html.escape(str(text), quote=True)


# A rule's prose may stress a word the Markdown way ("what *we* did"): shown as emphasis,
# not as asterisks.
_STRESS = re.compile(r"(?<![\w*])\*(\w[\w' ]*?)\*(?![\w*])")


def prose(text: str) -> str:
    """Escaped rule prose (a message, a suggestion, a rationale) on one line."""
    return _STRESS.sub(r"<em>\1</em>", escape(collapse_space(text)))


def collapse_space(text: str) -> str:
    return " ".join(text.split())


def _located(report: Report) -> list[tuple[int, Finding]]:
    """The findings about words of the text, with their index in ``report.findings``."""
    return [(n, f) for n, f in enumerate(report.findings) if f.scope == "span"]


def _marked_text(report: Report, source: str, prefix: str) -> str:
    """The source with located findings as ``<mark>`` and evidence as ``.ev`` spans;
    boundaries are split so overlapping ranges never produce overlapping tags. Findings
    about the whole message are not marked: their span only anchors them to a line."""
    ranges: list[tuple[int, int, str, str]] = []  # start, end, kind, id-or-class
    findings: dict[str, Finding] = {}
    for n, f in _located(report):
        findings[f"{prefix}-f{n}"] = f
        ranges.append((f.span.start, max(f.span.end, f.span.start + 1), "finding",
                       f"{prefix}-f{n}"))
    for name in ELEMENT_NAMES:
        for e in getattr(report.elements, name):
            ranges.append((e.start, e.end, "evidence", f"ev-{name}"))
    cuts = sorted({0, len(source), *(r[0] for r in ranges), *(r[1] for r in ranges)})
    out = []
    for start, end in pairwise(cuts):
        if end <= start or start >= len(source):
            continue
        text = escape(source[start:end])
        covering = [r for r in ranges if r[0] <= start and end <= r[1]]
        evidence = sorted({r[3] for r in covering if r[2] == "evidence"})
        if evidence:
            text = f'<span class="ev {" ".join(evidence)}">{text}</span>'
        ids = [r[3] for r in covering if r[2] == "finding"]
        if ids:
            worst = max((findings[i] for i in ids), key=lambda f: SEVERITY_RANK[f.severity])
            title = "; ".join(f"{findings[i].severity} {findings[i].rule}" for i in ids)
            text = (f'<mark class="sev-{worst.severity}" tabindex="0" role="button" '
                    f'data-findings="{" ".join(ids)}" title="{escape(title)}" '
                    f'aria-label="{escape(title)}">{text}</mark>')
        out.append(text)
    return "".join(out)


def _badge(f: Finding) -> str:
    return f'<span class="badge sev-{f.severity}">{f.severity.upper()}</span>'


def _rule_link(rule: str, known: set[str]) -> str:
    return f'<a href="#rule-{escape(rule)}">About {escape(rule)}</a>' if rule in known else ""


def _finding_item(f: Finding, item_id: str, known: set[str]) -> str:
    return (f'<li id="{item_id}" class="finding sev-{f.severity}"><details><summary>'
            f'{_badge(f)} <strong>{escape(f.rule)}</strong> <span class="where">line '
            f'{f.span.line}, column {f.span.column}</span> · “{escape(f.text[:80])}”</summary>'
            f'<p>{prose(f.message)}</p><p><strong>Instead:</strong> {prose(f.suggestion)}</p>'
            f'<p>{_rule_link(f.rule, known)}</p></details></li>')


def _missing(report: Report, prefix: str, known: set[str]) -> str:
    """Findings about the whole message (a part it lacks), worst first."""
    chosen = sorted(((n, f) for n, f in enumerate(report.findings) if f.scope == "message"),
                    key=lambda item: -SEVERITY_RANK[item[1].severity])
    if not chosen:
        return ('<h3>Missing from the message</h3>'
                f'<p class="none">Nothing this {escape(report.kind)} needs is missing.</p>')
    items = "".join(
        f'<li id="{prefix}-m{n}" class="sev-{f.severity}">{_badge(f)} '
        f'<strong>{escape(f.rule)}</strong> {prose(f.message)}'
        f'<br><span class="instead"><strong>Instead:</strong> {prose(f.suggestion)} '
        f'{_rule_link(f.rule, known)}</span></li>'
        for n, f in chosen)
    return f'<h3>Missing from the message</h3><ul class="missing">{items}</ul>'


def _anatomy(report: Report, section_id: str) -> str:
    present = set(report.elements.present())
    items = []
    for name in ELEMENT_NAMES:
        if name in present:
            state, label = "present", "✓ present"
        elif name in report.elements.conditional:
            state, label = "conditional", "~ some versions"
        else:
            state, label = "missing", "✗ missing"
        count = len(getattr(report.elements, name))
        evidence = f' <span class="where">({plural(count, "passage")})</span>' if count else ""
        items.append(f'<li class="{state}"><span class="state">{label}</span> '
                     f'{name.replace("_", " ")}{evidence}</li>')
    return (f'<ul class="anatomy">{"".join(items)}</ul>'
            f'<button type="button" data-evidence="{section_id}" aria-pressed="false">'
            'Highlight passages</button>')


def _dimensions(report: Report) -> str:
    rows = []
    for name, value in report.dimensions.items():
        rows.append(f'<span>{escape(name)}</span><span class="bar" role="img" '
                    f'aria-label="{escape(name)} {value} out of 100"><span style="width:{value}%">'
                    f'</span></span><span>{value}</span>')
    return f'<div class="dims">{"".join(rows)}</div>'


def _gain(g: ScoreGain, known: set[str]) -> str:
    points = f'<span class="points">+{g.points} </span>'
    if g.add:
        return f"<li>{points}{escape(g.add.replace('_', ' '))}: {escape(g.hint)}</li>"
    rule = (f'<a href="#rule-{escape(g.fix)}">{escape(g.fix)}</a>' if g.fix in known
            else escape(g.fix))
    return f"<li>{points}fix {rule} ({escape(g.hint)})</li>"


def _gate(gate: ScoreGateFailure) -> str:
    return (f'<p class="gate">✗ Score {gate.score} is below the minimum score '
            f"{gate.min_score}: this file fails the check.</p>")


def _counts(report: Report) -> str:
    if not report.findings:
        return "no findings"
    return ", ".join(plural(report.count(s), s) for s in ("error", "warning", "info"))


# How the kind was chosen, in words ("update (file)" reads as a file named update).
_KIND_SOURCE = {"given": "as given", "detected": "detected", "file": "set in the file"}


def _scorebox(report: Report, gate: ScoreGateFailure | None, known: set[str]) -> str:
    source = _KIND_SOURCE.get(report.kind_source, report.kind_source)
    details = [f"{escape(report.kind)} ({escape(source)})", _counts(report),
               f"read as {escape(report.syntax)}"]
    if report.variants > 1:
        details.append(f"{report.variants} versions linted, the score is the lowest")
    if report.suppressed:
        details.append(f"{plural(report.suppressed, 'finding')} suppressed in the file")
    # As in the text report: a send-ready message needs no advice on its score.
    gains = ""
    if report.score_gains and report.band != "send-ready":
        items = "".join(_gain(g, known) for g in report.score_gains[:GAINS_SHOWN])
        gains = f'<h3>To raise the score</h3><ul class="gains">{items}</ul>'
    return (f'<div class="scorebox"><p><strong class="score">Score {report.score}/100</strong>'
            f' · <strong>{escape(report.band)}</strong> · {" · ".join(details)}</p>'
            f'{_gate(gate) if gate else ""}{gains}</div>')


_LEGEND = """<p class="legend"><span><mark class="sev-error">error</mark> solid</span>
<span><mark class="sev-warning">warning</mark> dashed</span>
<span><mark class="sev-info">info</mark> dotted</span> Click a highlight (or press Enter
on it) to open its finding.</p>"""


def _file(report: Report, source: str, n: int, known: set[str],
          gate: ScoreGateFailure | None) -> str:
    section_id = f"file-{n}"
    located = _located(report)
    if located:
        findings = ('<ol class="findings">'
                    + "".join(_finding_item(f, f"{section_id}-f{i}", known) for i, f in located)
                    + "</ol>")
    else:
        findings = '<p class="none">No findings in the text.</p>'
    # What the message lacks sits beside its anatomy, above the text: no words are at
    # fault, so it is not in the findings beside the text.
    return f"""
<section class="file" id="{section_id}" aria-labelledby="{section_id}-title">
<h2 id="{section_id}-title">{escape(report.path or "-")}</h2>
{_scorebox(report, gate, known)}
<p role="status" aria-live="polite" class="visually-hidden"></p>
<div class="columns">
<div>{_missing(report, section_id, known)}</div>
<div><h3>Anatomy</h3>{_anatomy(report, section_id)}</div>
</div>
<div class="columns">
<div><h3>Message</h3>{_LEGEND if located else ""}
<pre class="message">{_marked_text(report, source, section_id)}</pre></div>
<div><h3>Findings in the text</h3>{findings}
<h3>Dimensions <span class="where">(out of 100)</span></h3>{_dimensions(report)}</div>
</div>
</section>"""


def _index(run: RunReport, gates: dict[str, ScoreGateFailure]) -> str:
    columns = [("path", "File", "no"), ("score", "Score", "yes"), ("kind", "Kind", "no"),
               ("errors", "Errors", "yes"), ("warnings", "Warnings", "yes"),
               ("infos", "Info", "yes")]
    head = "".join(f'<th scope="col"><button type="button" data-sort="{key}" '
                   f'data-numeric="{numeric}">{label}</button></th>'
                   for key, label, numeric in columns)
    rows = []
    for n, r in enumerate(run.files):
        gate = gates.get(r.path or "-")
        fails = f' <span class="fails">✗ below {gate.min_score}</span>' if gate else ""
        # A long path may break after a slash rather than anywhere.
        shown = escape(r.path or "-").replace("/", "/<wbr>")
        # data-label: the column's name, shown before the count when the rows are stacked.
        rows.append(
            f'<tr data-path="{escape(r.path or "-")}" data-score="{r.score}" data-kind="{r.kind}" '
            f'data-errors="{r.count("error")}" data-warnings="{r.count("warning")}" '
            f'data-infos="{r.count("info")}"><td><a href="#file-{n}">{shown}</a></td>'
            f'<td>{r.score} <span class="where">{escape(r.band)}</span>{fails}</td>'
            f'<td>{r.kind}</td><td data-label="errors">{r.count("error")}</td>'
            f'<td data-label="warnings">{r.count("warning")}</td>'
            f'<td data-label="info">{r.count("info")}</td></tr>')
    # The wrapper scrolls a table wider than the page instead of widening the page.
    return (f'<nav aria-labelledby="index-title"><h2 id="index-title">Files</h2>'
            f'<div class="scroll"><table id="index"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div></nav>')


def rule_doc(rule: RuleSpec) -> str:
    """A rule's page, as ``--explain`` has it, folded until its link is followed."""
    variants = [f"{variant}: " + ", ".join(f"{k}: {v}" for k, v in table.items())
                for variant, table in (("escalated", rule.severity_when.escalated),
                                       ("downgraded", rule.severity_when.downgraded))
                if table]
    meta = " · ".join([f"dimension {rule.dimension}", f"severity {severities(rule)}",
                       *variants])
    bad = "".join(f"<li>✗ {escape(collapse_space(x))}</li>" for x in rule.examples.bad)
    good = "".join(f"<li>✓ {escape(collapse_space(x))}</li>" for x in rule.examples.good)
    instead = rule.suggestion.replace('"{flagged}"', "the flagged words")
    return (f'<details class="rule" id="rule-{escape(rule.id)}"><summary><strong>{escape(rule.id)}'
            f'</strong> · {escape(rule.title)}</summary><p class="where">{escape(meta)}</p><dl>'
            f"<dt>What it reports</dt><dd>{prose(rule.message)}</dd>"
            f"<dt>Instead</dt><dd>{prose(instead)}</dd>"
            f'<dt>Fires on</dt><dd><ul class="examples">{bad}</ul></dd>'
            f'<dt>Does not fire on</dt><dd><ul class="examples">{good}</ul></dd>'
            f"<dt>Why</dt><dd>{prose(rule.rationale.text)}</dd>"
            f'<dt>Sources</dt><dd>{"; ".join(escape(x) for x in rule.rationale.sources)}</dd>'
            "</dl></details>")


def _header(run: RunReport) -> str:
    s = run.summary
    counts = " · ".join(plural(n, w) for n, w in
                        ((s.errors, "error"), (s.warnings, "warning"), (s.infos, "info")))
    mean = s.mean_score if s.mean_score is not None else "\N{EN DASH}"  # no file linted
    failed = len(s.below_min_score)
    # With one file, the file's own box says it; the run's verdict is for several.
    gate = ""
    if failed and s.files > 1:
        gate = (f'<p class="gate">✗ {plural(failed, "file")} below the minimum score: '
                f'{"it fails" if failed == 1 else "they fail"} the check.</p>')
    return (f"<header><h1>apology-lint report</h1><p>{plural(s.files, 'file')} · {counts} · "
            f"mean score {mean} · apology-lint {escape(run.tool.version)}</p>{gate}</header>")


def render(run: RunReport, sources: dict[str, str], rules: list[RuleSpec]) -> str:
    used = {f.rule for r in run.files for f in r.findings}
    shown = [rule for rule in rules if rule.id in used]
    known = {x.id for x in shown}
    gates = {g.path: g for g in run.summary.below_min_score}
    files = "".join(_file(r, sources.get(r.path or "-", ""), n, known, gates.get(r.path or "-"))
                    for n, r in enumerate(run.files))
    rule_docs = ""
    if shown:
        rule_docs = ('<section aria-labelledby="rules-title"><h2 id="rules-title">'
                     'The rules that fired</h2><p class="where">Open a rule to see what it '
                     'checks, why, and examples.</p>'
                     + "".join(rule_doc(rule) for rule in shown) + "</section>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>apology-lint report</title><style>{CSS}</style></head>
<body>
{_header(run)}
{_index(run, gates) if len(run.files) > 1 else ""}
<main>{files}</main>
{rule_docs}
<script>{_SCRIPT}</script>
</body></html>
"""
