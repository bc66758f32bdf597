"""``apology-lint thread --format sarif|html``: the thread reports as the main command's
SARIF and as one self-contained HTML page.

SARIF: every message finding and every thread finding is a result on the incident file,
at the line of the message concerned (the line of its ``body``/``message`` key; a
message's text is a JSON string there, so no column is given and the flagged words are
quoted in the result's message instead). Thread rules are named ``thread/<id>``: two of
them share an id with the message rule they are the thread mode of
(``content-less-update``, ``late-or-unowned-discovery``), and a SARIF driver's rule ids
must tell them apart. Levels, URIs and the rule metadata are the main formatter's.

HTML: per incident its heading, the timeline as a table, the thread findings with the
message each points at, then every message with its flagged words highlighted and its
findings; the rules that fired are explained at the end. No script, no external file.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timezone
from itertools import pairwise
from pathlib import Path

from ..formatters.html import CSS, collapse_space, escape, prose, rule_doc
from ..formatters.sarif import SARIF_LEVEL, SCHEMA, artifact_location, rule_descriptor
from ..formatters.text import plural
from ..models import SEVERITY_RANK, Finding, Severity, ToolInfo
from ..rulespec import RuleSpec
from .lint import InputProblem, MessageResult, ThreadReport
from .rules import ThreadFinding, ThreadRuleSpec

THREAD_RULE_PREFIX = "thread/"
_SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
_NO_LINE = "\N{EN DASH}"


def utc(ts: datetime) -> str:
    return ts.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")


# --- SARIF ------------------------------------------------------------------------------


def sarif_rule_id(thread_rule: str) -> str:
    """The SARIF id of a thread rule (apart from the message rule of the same name)."""
    return THREAD_RULE_PREFIX + thread_rule


def _thread_severities(rule: ThreadRuleSpec) -> dict[str, Severity]:
    if isinstance(rule.severity, dict):
        return {str(k): v for k, v in rule.severity.items()}
    return {"update": rule.severity, "resolution": rule.severity}


def _thread_rule(rule: ThreadRuleSpec) -> dict[str, object]:
    """A thread rule's metadata, in the shape ``formatters.sarif`` gives a message rule."""
    by_kind = _thread_severities(rule)
    worst = max(by_kind.values(), key=lambda s: SEVERITY_RANK[s])
    help_text = (f"{rule.message.strip()}\n\nInstead: {rule.suggestion.strip()}\n\n"
                 f"Why: {rule.rationale.text.strip()}")
    properties: dict[str, object] = {
        "tags": ["thread", rule.dimension, *([rule.catalog] if rule.catalog else [])],
        "severityByKind": by_kind,
    }
    if rule.escalated is not None:
        properties["escalatedSeverity"] = rule.escalated
    return {
        "id": sarif_rule_id(rule.id),
        "name": "Thread" + "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": collapse_space(rule.message)},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": SARIF_LEVEL[worst]},
        "properties": properties,
    }


def _location(report: ThreadReport, line: int | None) -> dict[str, object]:
    physical: dict[str, object] = {"artifactLocation": artifact_location(report.source)}
    line = line or report.line
    if line:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def _quoted(text: str) -> str:
    text = collapse_space(text)
    return f"“{text[:157]}…”" if len(text) > 160 else f"“{text}”"


def _message_result(report: ThreadReport, m: MessageResult, f: Finding,
                    index: dict[str, int]) -> dict[str, object]:
    flagged = f" Flagged: {_quoted(f.text)}." if f.scope == "span" and f.text.strip() else ""
    result: dict[str, object] = {
        "ruleId": f.rule,
        "level": SARIF_LEVEL[f.severity],
        "message": {"text": f"{f.message}{flagged} Suggestion: {f.suggestion}"},
        "locations": [_location(report, m.line)],
        "properties": {"incident": report.incident_id, "messageIndex": m.index,
                       "ts": m.ts.isoformat(), "status": m.status, "kind": m.kind,
                       "score": m.score, "scope": f.scope, "text": f.text,
                       # Offsets into the message's own text, as in --format json.
                       "start": f.span.start, "end": f.span.end},
    }
    if f.rule in index:
        result["ruleIndex"] = index[f.rule]
    return result


def _thread_result(report: ThreadReport, f: ThreadFinding,
                   index: dict[str, int]) -> dict[str, object]:
    rule_id = sarif_rule_id(f.rule)
    m = report.messages[f.message_index] if f.message_index < len(report.messages) else None
    properties: dict[str, object] = {
        "incident": report.incident_id, "messageIndex": f.message_index,
        "ts": f.ts.isoformat(), "scope": f.scope, "text": f.text, "detail": f.detail}
    if m is not None:
        properties.update(status=m.status, kind=m.kind)
    if f.start is not None and f.end is not None:
        properties.update(start=f.start, end=f.end)
    result: dict[str, object] = {
        "ruleId": rule_id,
        "level": SARIF_LEVEL[f.severity],
        "message": {"text": f"{f.message} ({f.detail}) Suggestion: {f.suggestion}"},
        "locations": [_location(report, f.line)],
        "properties": properties,
    }
    if rule_id in index:
        result["ruleIndex"] = index[rule_id]
    return result


def render_sarif(reports: Sequence[ThreadReport], tool: ToolInfo,
                 message_rules: Sequence[RuleSpec], thread_rules: Sequence[ThreadRuleSpec],
                 problems: Sequence[InputProblem] = ()) -> str:
    """One SARIF 2.1.0 log: the message rules, then the thread rules; a result for each
    finding. Files and incidents that could not be read are notifications of the run."""
    descriptors = [*(rule_descriptor(r) for r in message_rules),
                   *(_thread_rule(r) for r in thread_rules)]
    index = {str(d["id"]): i for i, d in enumerate(descriptors)}
    results: list[dict[str, object]] = []
    for report in reports:
        for m in report.messages:
            results.extend(_message_result(report, m, f, index) for f in m.findings)
        results.extend(_thread_result(report, f, index) for f in report.findings)
    run: dict[str, object] = {
        "tool": {"driver": {"name": tool.name, "version": tool.version,
                            "semanticVersion": tool.version, "rules": descriptors}},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().resolve().as_uri() + "/"}},
        "invocations": [{
            "executionSuccessful": not problems,
            "toolExecutionNotifications": [
                {"level": "error", "message": {"text": p.message},
                 **({"locations": [{"physicalLocation": {
                     "artifactLocation": artifact_location(p.path),
                     **({"region": {"startLine": p.line}} if p.line else {})}}]}
                    if p.path else {})}
                for p in problems],
        }],
        "results": results,
    }
    log = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


# --- HTML -------------------------------------------------------------------------------

_THREAD_CSS = """
header p, .facts { color: #333; }
.incident { border-top: 3px solid #444; margin-top: 1.5rem; }
.incident > h2 { margin-bottom: .2rem; }
.facts { margin: .2rem 0 .6rem; overflow-wrap: anywhere; }
.facts code { font-size: .95em; }
.summary { background: #f4f4f4; border: 1px solid #ddd; padding: .4rem .8rem; }
table.timeline { width: 100%; font-variant-numeric: tabular-nums; }
table.timeline td.num, table.timeline th.num { text-align: right; }
/* A row a thread finding points at is marked in its worst severity's colour. */
table.timeline td:first-child { border-left: 4px solid transparent; }
table.timeline tr.thread-error td:first-child { border-left-color: var(--error); }
table.timeline tr.thread-warning td:first-child { border-left-color: var(--warning); }
table.timeline tr.thread-info td:first-child { border-left-color: var(--info); }
.n { font-weight: 700; white-space: nowrap; } .n.sev-error { color: var(--error); }
.n.sev-warning { color: var(--warning); } .n.sev-info { color: var(--info); }
.none { color: #555; }
ul.missing li p { margin: .15rem 0; }
.quote { font-style: italic; overflow-wrap: anywhere; }
.message-card { border: 1px solid #ccc; border-radius: 4px; padding: .2rem .9rem .6rem;
  margin: .9rem 0; }
.message-card:target { outline: 3px solid #1a1a1a; }
.message-card h4 { font-size: 1rem; margin: .5rem 0 .2rem; }
mark { cursor: auto; }
details.rule:has(dl:target) { outline: 3px solid #1a1a1a; }
.problems { border-left: 6px solid var(--error); background: #fde7ea; padding: .4rem .8rem; }
.problems h2 { margin-top: .3rem; } .problems li { overflow-wrap: anywhere; }
nav ol { padding-left: 1.4rem; } nav li { margin: .2rem 0; overflow-wrap: anywhere; }
/* On a phone each row of the timeline is a small block: the time and its link first,
   then the other cells on as few lines as fit, each with its column's name. */
@media (max-width: 40rem) {
  table.timeline, table.timeline tbody, table.timeline tr { display: block; }
  table.timeline thead { position: absolute; width: 1px; height: 1px; overflow: hidden;
    clip: rect(0 0 0 0); clip-path: inset(50%); }
  table.timeline tr { padding: .35rem 0 .35rem .5rem; border-bottom: 1px solid #ccc;
    border-left: 4px solid transparent; }
  table.timeline td { display: inline-block; border: 0; padding: 0 .9rem 0 0; }
  table.timeline td:first-child { display: block; font-weight: 700; }
  table.timeline tr.thread-error { border-left-color: var(--error); }
  table.timeline tr.thread-warning { border-left-color: var(--warning); }
  table.timeline tr.thread-info { border-left-color: var(--info); }
  table.timeline td:first-child { border-left: 0; }
  table.timeline td[data-label]::before { content: attr(data-label) ": "; color: #555;
    font-weight: 400; }
  table.timeline td.num { text-align: left; }
  .message-card { padding: .1rem .6rem .5rem; }
}
"""


def _sev_counts(severities: Sequence[Severity]) -> str:
    counted = Counter(severities)
    parts = [f'<span class="n sev-{s}">{plural(counted[s], s)}</span>'
             for s in _SEVERITIES if counted[s]]
    return ", ".join(parts) if parts else '<span class="none">none</span>'


def _badge(severity: Severity) -> str:
    return f'<span class="badge sev-{severity}">{severity.upper()}</span>'


def _worst_first(findings: Sequence[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: -SEVERITY_RANK[f.severity])


def _marked(text: str, ranges: Sequence[tuple[int, int, Severity, str]]) -> str:
    """``text`` escaped, the flagged ranges as ``<mark>`` (overlaps split at every
    boundary, the worst severity colouring a piece several findings cover)."""
    ranges = [(max(0, s), min(len(text), max(e, s + 1)), sev, label)
              for s, e, sev, label in ranges if s < len(text)]
    cuts = sorted({0, len(text), *(r[0] for r in ranges), *(r[1] for r in ranges)})
    out = []
    for start, end in pairwise(cuts):
        piece = escape(text[start:end])
        covering = [r for r in ranges if r[0] <= start and end <= r[1]]
        if covering:
            worst = max((r[2] for r in covering), key=SEVERITY_RANK.__getitem__)
            title = "; ".join(dict.fromkeys(r[3] for r in covering))
            piece = f'<mark class="sev-{worst}" title="{escape(title)}">{piece}</mark>'
        out.append(piece)
    return "".join(out)


class _Page:
    """Ids and links shared by the sections of one page."""

    def __init__(self, message_rules: Sequence[RuleSpec],
                 thread_rules: Sequence[ThreadRuleSpec], used: set[str],
                 used_thread: set[str]) -> None:
        self.message_rules = [r for r in message_rules if r.id in used]
        self.thread_rules = [r for r in thread_rules if r.id in used_thread]
        self.known = {r.id for r in self.message_rules}
        self.known_thread = {r.id for r in self.thread_rules}

    def about(self, rule: str) -> str:
        if rule not in self.known:
            return ""
        return f' <a href="#rule-{escape(rule)}-about">About {escape(rule)}</a>'

    def about_thread(self, rule: str) -> str:
        if rule not in self.known_thread:
            return ""
        return f' <a href="#thread-rule-{escape(rule)}-about">About {escape(rule)}</a>'


def _facts(report: ThreadReport) -> str:
    where = report.source or "<input>"
    where = f"{where}:{report.line}" if report.line else where
    facts = [f"incident <code>{escape(report.incident_id)}</code>"]
    if report.provider:
        facts.append(f"provider {escape(report.provider)}")
    if report.impact:
        facts.append(f"impact <strong>{escape(report.impact)}</strong>")
    if report.started_at:
        facts.append(f"started {utc(report.started_at)} UTC")
    facts.append(f'<span class="where">{escape(where)}</span>')
    return f'<p class="facts">{" · ".join(facts)}</p>'


def _summary(report: ThreadReport) -> str:
    messages = report.messages
    lowest = min(m.score for m in messages)
    return (f'<p class="summary">{plural(len(messages), "message")} · lowest score '
            f'<strong>{lowest}</strong> · message findings: '
            f'{_sev_counts([f.severity for m in messages for f in m.findings])} · '
            f'thread findings: {_sev_counts([f.severity for f in report.findings])}</p>')


def _timeline(report: ThreadReport, prefix: str) -> str:
    thread_sev: dict[int, list[Severity]] = {}
    for f in report.findings:
        thread_sev.setdefault(f.message_index, []).append(f.severity)
    rows = []
    for m in report.messages:
        on_it = thread_sev.get(m.index)
        flag = (f' class="thread-{max(on_it, key=SEVERITY_RANK.__getitem__)}"'
                if on_it else "")
        rows.append(
            f'<tr{flag}><td><a href="#{prefix}-m{m.index}">{utc(m.ts)}</a></td>'
            f'<td data-label="status">{escape(m.status)}</td>'
            f'<td data-label="kind">{escape(m.kind)}</td>'
            f'<td class="num" data-label="score">{m.score}</td>'
            f'<td data-label="findings">{_sev_counts([f.severity for f in m.findings])}</td>'
            f'<td data-label="thread">{_sev_counts(thread_sev.get(m.index, []))}</td>'
            f'<td class="num" data-label="line">{m.line or _NO_LINE}</td></tr>')
    head = ('<tr><th scope="col">Time (UTC)</th><th scope="col">Status</th>'
            '<th scope="col">Kind</th><th scope="col" class="num">Score</th>'
            '<th scope="col">Findings</th><th scope="col">Thread findings</th>'
            '<th scope="col" class="num">Line</th></tr>')
    return (f'<h3>Timeline</h3><div class="scroll"><table class="timeline">'
            f'<thead>{head}</thead><tbody>{"".join(rows)}</tbody></table></div>')


def _message_label(report: ThreadReport, index: int) -> str:
    if index >= len(report.messages):
        return f"message {index + 1}"
    m = report.messages[index]
    line = f", line {m.line}" if m.line else ""
    return f"message {index + 1} ({utc(m.ts)} UTC, {m.status}{line})"


def _thread_findings(report: ThreadReport, prefix: str, page: _Page) -> str:
    if not report.findings:
        return '<h3>Thread findings</h3><p class="none">None.</p>'
    items = []
    for f in report.findings:
        quote = f'<p class="quote">{escape(_quoted(f.text))}</p>' if f.text.strip() else ""
        items.append(
            f'<li class="sev-{f.severity}">{_badge(f.severity)} <strong>{escape(f.rule)}</strong>'
            f' on <a href="#{prefix}-m{f.message_index}">'
            f'{escape(_message_label(report, f.message_index))}</a>'
            f'<p>{prose(f.message)}</p><p class="where">{escape(f.detail)}</p>{quote}'
            f'<p class="instead"><strong>Instead:</strong> {prose(f.suggestion)}'
            f'{page.about_thread(f.rule)}</p></li>')
    return f'<h3>Thread findings</h3><ul class="missing">{"".join(items)}</ul>'


def _message(report: ThreadReport, m: MessageResult, text: str | None, prefix: str,
             page: _Page) -> str:
    thread = [f for f in report.findings if f.message_index == m.index]
    line = f' · <span class="where">line {m.line}</span>' if m.line else ""
    body = ""
    if text is not None:
        ranges: list[tuple[int, int, Severity, str]] = [
            (f.span.start, f.span.end, f.severity, f"{f.severity} {f.rule}")
            for f in m.findings if f.scope == "span"]
        ranges += [(f.start, f.end, f.severity, f"{f.severity} {f.rule} (thread)")
                   for f in thread if f.start is not None and f.end is not None]
        body = f'<pre class="message">{_marked(text, ranges)}</pre>'
    items = []
    for f in _worst_first(m.findings):
        flagged = (f' · <span class="quote">{escape(_quoted(f.text))}</span>'
                   if f.scope == "span" and f.text.strip() else "")
        items.append(
            f'<li class="sev-{f.severity}">{_badge(f.severity)} <strong>{escape(f.rule)}</strong>'
            f'{flagged}<p>{prose(f.message)}</p><p class="instead"><strong>Instead:'
            f'</strong> {prose(f.suggestion)}{page.about(f.rule)}</p></li>')
    findings = (f'<ul class="missing">{"".join(items)}</ul>' if items
                else '<p class="none">No findings on this message.</p>')
    also = ""
    if thread:
        links = ", ".join(f'<span class="n sev-{f.severity}">{escape(f.rule)}</span>'
                          for f in thread)
        also = (f'<p>Thread findings on this message (<a href="#{prefix}-thread">see '
                f'above</a>): {links}</p>')
    return (f'<article class="message-card" id="{prefix}-m{m.index}">'
            f'<h4>{m.index + 1} · {utc(m.ts)} UTC · {escape(m.status)} ({escape(m.kind)}) · score '
            f'{m.score} <span class="where">{escape(m.band)}</span>{line}</h4>'
            f'{body}{findings}{also}</article>')


def _incident(report: ThreadReport, texts: Sequence[str] | None, n: int, page: _Page) -> str:
    prefix = f"incident-{n}"
    title = report.title or f"Incident {report.incident_id}"
    messages = "".join(
        _message(report, m, texts[m.index] if texts and m.index < len(texts) else None,
                 prefix, page)
        for m in report.messages)
    return (f'<section class="incident" id="{prefix}" aria-labelledby="{prefix}-title">'
            f'<h2 id="{prefix}-title">{escape(collapse_space(title))}</h2>{_facts(report)}'
            f'{_summary(report)}{_timeline(report, prefix)}'
            f'<div id="{prefix}-thread">{_thread_findings(report, prefix, page)}</div>'
            f'<h3>Messages</h3>{messages}</section>')


def _thread_rule_doc(rule: ThreadRuleSpec) -> str:
    by_kind = _thread_severities(rule)
    severity = (str(rule.severity) if not isinstance(rule.severity, dict)
                else ", ".join(f"{k}: {v}" for k, v in by_kind.items()))
    meta = [f"dimension {rule.dimension}", f"severity {severity}"]
    if rule.escalated:
        meta.append(f"escalated: {rule.escalated}")
    if rule.catalog:
        meta.append(f"catalog {rule.catalog}")
    return (f'<details class="rule" id="thread-rule-{escape(rule.id)}"><summary><strong>'
            f'{escape(rule.id)}</strong> (thread) · {escape(rule.title)}</summary><p class="where">'
            f'{escape(" · ".join(meta))}</p><dl id="thread-rule-{escape(rule.id)}-about">'
            f"<dt>What it reports</dt><dd>{prose(rule.message)}</dd>"
            f"<dt>Instead</dt><dd>{prose(rule.suggestion)}</dd>"
            f"<dt>Why</dt><dd>{prose(rule.rationale.text)}</dd>"
            f'<dt>Sources</dt><dd>{"; ".join(escape(x) for x in rule.rationale.sources)}</dd>'
            "</dl></details>")


def _message_rule_doc(rule: RuleSpec) -> str:
    """The main report's folded rule page, its body given an id: following a link to an
    element inside a closed ``<details>`` opens it, with no script (the main report opens
    its rules with one)."""
    return rule_doc(rule).replace("<dl>", f'<dl id="rule-{escape(rule.id)}-about">', 1)


def _problems(problems: Sequence[InputProblem]) -> str:
    if not problems:
        return ""
    items = "".join(f"<li>{escape(collapse_space(p.message))}</li>" for p in problems)
    return (f'<section class="problems" aria-labelledby="problems-title"><h2 id="problems-'
            f'title">Not linted: {plural(len(problems), "input problem")}</h2>'
            f"<ul>{items}</ul></section>")


def _index(reports: Sequence[ThreadReport]) -> str:
    items = []
    for n, r in enumerate(reports):
        title = collapse_space(r.title or f"Incident {r.incident_id}")
        items.append(
            f'<li><a href="#incident-{n}">{escape(title)}</a> <span class="where">'
            f'{plural(len(r.messages), "message")} · lowest score '
            f'{min(m.score for m in r.messages)}</span> · thread: '
            f'{_sev_counts([f.severity for f in r.findings])}</li>')
    return (f'<nav aria-labelledby="index-title"><h2 id="index-title">Incidents</h2>'
            f'<ol>{"".join(items)}</ol></nav>')


def render_html(reports: Sequence[ThreadReport], tool: ToolInfo,
                message_rules: Sequence[RuleSpec], thread_rules: Sequence[ThreadRuleSpec],
                problems: Sequence[InputProblem] = (),
                texts: Sequence[Sequence[str]] | None = None) -> str:
    """One self-contained page. ``texts``, parallel to ``reports``, holds each incident's
    message texts (oldest first), shown with their flagged words; without it the page
    lists the findings only."""
    page = _Page(message_rules, thread_rules,
                 {f.rule for r in reports for m in r.messages for f in m.findings},
                 {f.rule for r in reports for f in r.findings})
    incidents = "".join(_incident(r, texts[n] if texts and n < len(texts) else None, n, page)
                        for n, r in enumerate(reports))
    messages = [m for r in reports for m in r.messages]
    on_messages = _sev_counts([f.severity for m in messages for f in m.findings])
    on_threads = _sev_counts([f.severity for r in reports for f in r.findings])
    header = (f"<header><h1>apology-lint: incident threads</h1><p>"
              f"{plural(len(reports), 'incident')} · {plural(len(messages), 'message')} · "
              f"message findings: {on_messages} · thread findings: {on_threads}"
              f" · apology-lint {escape(tool.version)}</p></header>")
    docs = "".join([*(_thread_rule_doc(r) for r in page.thread_rules),
                    *(_message_rule_doc(r) for r in page.message_rules)])
    rule_docs = ""
    if docs:
        rule_docs = ('<section aria-labelledby="rules-title"><h2 id="rules-title">The rules '
                     'that fired</h2><p class="where">Open a rule to see what it checks and '
                     f'why.</p>{docs}</section>')
    legend = ('<p class="legend"><span><mark class="sev-error">error</mark> solid</span> '
              '<span><mark class="sev-warning">warning</mark> dashed</span> '
              '<span><mark class="sev-info">info</mark> dotted</span> Flagged words are '
              'highlighted in each message; hover one for its rules.</p>'
              if texts and reports else "")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>apology-lint: incident threads</title><style>{CSS}{_THREAD_CSS}</style></head>
<body>
{header}
{_problems(problems)}
{_index(reports) if len(reports) > 1 else ""}
{legend}
<main>{incidents}</main>
{rule_docs}
</body></html>
"""
