"""``lint_thread``: every message linted as today, plus the thread rules.

Each message goes through the unchanged ``Linter`` with the kind its status gives
(``kind_of``); its findings' spans are in the message's own text. The thread findings
point at a message by index and at its line in the source file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ..models import SCHEMA_VERSION, Band, Finding, Kind, Severity, ToolInfo
from .incident import Incident, Status
from .rules import ThreadFinding, ThreadRules

if TYPE_CHECKING:
    from ..engine import Linter


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MessageResult(_Frozen):
    index: int = Field(ge=0)
    ts: AwareDatetime
    status: Status
    kind: Kind
    line: int | None = None
    score: int = Field(ge=0, le=100)
    band: Band
    # The per-message findings; spans are offsets into this message's text.
    findings: list[Finding]


class ThreadReport(_Frozen):
    """The result of linting one incident."""

    incident_id: str
    title: str | None = None
    source: str | None = None
    line: int | None = None
    provider: str | None = None
    impact: str | None = None
    started_at: AwareDatetime | None = None
    messages: list[MessageResult]
    findings: list[ThreadFinding]

    def severities(self) -> list[Severity]:
        """The severity of every finding, the messages' and the thread's."""
        return ([f.severity for m in self.messages for f in m.findings]
                + [f.severity for f in self.findings])


class InputProblem(_Frozen):
    path: str | None = None
    line: int | None = None
    message: str


class ThreadRun(_Frozen):
    """What ``apology-lint thread --format json`` prints."""

    schema_version: str = SCHEMA_VERSION
    tool: ToolInfo
    incidents: list[ThreadReport]
    errors: list[InputProblem] = []


_RULES: ThreadRules | None = None


def default_thread_rules() -> ThreadRules:
    """The built-in thread rules with their own parameters (loaded once)."""
    global _RULES
    if _RULES is None:
        _RULES = ThreadRules()
    return _RULES


def lint_threads(incidents: Iterable[Incident], linter: Linter | None = None,
                 rules: ThreadRules | None = None) -> Iterator[ThreadReport]:
    """Lint many incidents; the messages of each go through ``nlp.pipe`` together."""
    if linter is None:
        from ..engine import default_linter  # spaCy: loaded only when linting

        linter = default_linter()
    from ..readers import plain_document

    rules = rules or default_thread_rules()
    for incident in incidents:
        jobs = [(plain_document(m.text), m.kind, None) for m in incident.messages]
        reports = list(linter.lint_documents(jobs))
        messages = [
            MessageResult(index=i, ts=m.ts, status=m.status, kind=m.kind, line=m.line,
                          score=r.score, band=r.band, findings=r.findings)
            for i, (m, r) in enumerate(zip(incident.messages, reports, strict=True))]
        yield ThreadReport(
            incident_id=incident.id, title=incident.title, source=incident.source,
            line=incident.line, provider=incident.provider, impact=incident.impact,
            started_at=incident.started_at, messages=messages,
            findings=rules.check(incident))


def lint_thread(incident: Incident, linter: Linter | None = None,
                rules: ThreadRules | None = None) -> ThreadReport:
    """Lint one incident: each message with ``linter`` (default: the built-in rules),
    and the thread with ``rules`` (default: ``rules/threads/``)."""
    return next(lint_threads([incident], linter, rules))
