"""A lint's report as LSP diagnostics, and a rule's page as hover text."""

from __future__ import annotations

from lsprotocol import types

from ..models import Finding, Report, Severity
from ..ruledoc import explain
from .positions import PositionIndex
from .session import Outcome

SOURCE = "apology-lint"

SEVERITIES: dict[Severity, types.DiagnosticSeverity] = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
}

# The top of the document, where a finding about the whole message is shown: it has no
# words of its own, and its anchor (the first line the writer wrote) is not at fault.
TOP = types.Range(start=types.Position(line=0, character=0),
                  end=types.Position(line=0, character=0))


def finding_range(finding: Finding, index: PositionIndex) -> types.Range:
    if finding.scope == "message":
        return TOP
    return index.range(finding.span.start, finding.span.end)


def diagnostics(outcome: Outcome, index: PositionIndex) -> list[types.Diagnostic]:
    if outcome.error is not None:
        return [types.Diagnostic(range=TOP, message=outcome.error,
                                 severity=types.DiagnosticSeverity.Error, source=SOURCE,
                                 code="not-linted")]
    if outcome.report is None:
        return []
    return [diagnostic(f, outcome, index) for f in outcome.report.findings]


def diagnostic(finding: Finding, outcome: Outcome, index: PositionIndex) -> types.Diagnostic:
    message = finding.message
    if finding.suggestion:
        message += f"\nSuggestion: {finding.suggestion}"
    return types.Diagnostic(
        range=finding_range(finding, index),
        message=message,
        severity=SEVERITIES[finding.severity],
        code=finding.rule,
        source=SOURCE,
        related_information=related(finding, outcome, index) or None,
        # Which finding this is, for a client that sends it back with a code action
        # request; the server matches findings by range and rule, not by this.
        data={"rule": finding.rule, "start": finding.span.start, "end": finding.span.end},
    )


def related(finding: Finding, outcome: Outcome,
            index: PositionIndex) -> list[types.DiagnosticRelatedInformation]:
    """The evidence: the flagged words for a finding on words; for a finding about the
    whole message, the places where the missing part is present in only some versions
    of a template (so not every recipient gets it)."""
    uri = outcome.uri
    if finding.scope == "span":
        return [types.DiagnosticRelatedInformation(
            location=types.Location(uri=uri, range=index.range(finding.span.start,
                                                               finding.span.end)),
            message=f"flagged: \u201c{_short(finding.text)}\u201d")]
    report = outcome.report
    assert report is not None
    found = []
    for element in outcome.elements.get(finding.rule, []):
        for evidence in getattr(report.elements, element, []):
            found.append(types.DiagnosticRelatedInformation(
                location=types.Location(uri=uri, range=index.range(
                    evidence.start, evidence.end)),
                message=f"{element.replace('_', ' ')} only in some versions of the "
                        f"message: \u201c{_short(evidence.text)}\u201d"))
    if not found:
        found.append(types.DiagnosticRelatedInformation(
            location=types.Location(uri=uri, range=index.range(finding.span.start,
                                                               finding.span.end)),
            message="about the whole message (anchored at its first line)"))
    return found


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


def findings_at(report: Report, index: PositionIndex, offset: int,
                line: int) -> list[Finding]:
    """The findings shown at ``offset``: those whose words hold it, and on the first
    word of the document, the findings about the whole message."""
    found = [f for f in report.findings if f.scope == "span"
             and f.span.start <= offset < max(f.span.end, f.span.start + 1)]
    if line == 0:
        first_line = index.text[:index.line_end(0)]
        word_end = len(first_line) - len(first_line.lstrip())
        while word_end < len(first_line) and not first_line[word_end].isspace():
            word_end += 1
        if offset <= word_end:
            found += [f for f in report.findings if f.scope == "message"]
    return found


def hover_text(findings: list[Finding], outcome: Outcome) -> str:
    """Markdown: for each finding, its suggestion here, then its rule's page (what
    ``apology-lint --explain RULE`` prints)."""
    parts = []
    for finding in findings:
        rule = outcome.rules.get(finding.rule)
        page = explain(rule) if rule is not None else f"# {finding.rule}\n\n{finding.message}\n"
        parts.append(f"**{finding.rule}** ({finding.severity}): {finding.suggestion}\n\n"
                     + page)
    return "\n---\n\n".join(parts)
