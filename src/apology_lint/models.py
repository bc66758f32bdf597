"""The public data model: what a lint returns, and the JSON contract built on it.

Every model here is part of the versioned JSON output (``SCHEMA_VERSION``). Offsets are
character offsets into the file as it was read (for a template, HTML or email: the
template, not the text the parser saw), so ``text`` always equals that slice of the file.
Lines and columns are 1-based.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1"

Kind = Literal["apology", "update", "resolution"]
KINDS: tuple[Kind, ...] = ("apology", "update", "resolution")

Severity = Literal["error", "warning", "info"]
SEVERITY_RANK: dict[str, int] = {"info": 1, "warning": 2, "error": 3}

Dimension = Literal["own", "deflect", "harm", "facts", "repair", "prevent", "comms", "tone"]
DIMENSIONS: tuple[Dimension, ...] = (
    "own", "deflect", "harm", "facts", "repair", "prevent", "comms", "tone",
)

ElementName = Literal[
    "apology", "ownership", "explanation", "impact", "remedy", "prevention",
    "next_update", "contact",
]
ELEMENT_NAMES: tuple[ElementName, ...] = (
    "apology", "ownership", "explanation", "impact", "remedy", "prevention",
    "next_update", "contact",
)

Band = Literal["send-ready", "good", "needs work", "rewrite"]
# "file": set by the file itself (front matter or an ``apology-lint: kind=`` comment).
KindSource = Literal["given", "detected", "file"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MessageMeta(_Frozen):
    """What the caller knows about a message beyond its text (all optional).

    With both times, ``late-or-unowned-discovery`` checks how long the client waited for
    this message. Times without a timezone are compared as given.
    """

    incident_start: datetime | None = None
    sent_at: datetime | None = None


class Span(_Frozen):
    """A range of the linted text: ``[start, end)`` plus 1-based line/column of each end."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    line: int = Field(ge=1)
    column: int = Field(ge=1)
    end_line: int = Field(ge=1)
    end_column: int = Field(ge=1)


class Evidence(_Frozen):
    """One piece of evidence that an element of a good message is present."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    line: int = Field(ge=1)
    column: int = Field(ge=1)
    text: str


# "span": the words at ``span`` are at fault. "message": something is missing from the
# whole message; ``span`` only anchors it (the first line the writer wrote) for formats
# that need a location, and reports show it with the summary, not on that line.
Scope = Literal["span", "message"]


class Finding(_Frozen):
    rule: str
    severity: Severity
    dimension: Dimension
    message: str
    suggestion: str
    span: Span
    text: str
    scope: Scope = "span"


class Elements(_Frozen):
    """The anatomy of the message: for each component, the spans that show it."""

    apology: list[Evidence] = []
    ownership: list[Evidence] = []
    explanation: list[Evidence] = []
    impact: list[Evidence] = []
    remedy: list[Evidence] = []
    prevention: list[Evidence] = []
    next_update: list[Evidence] = []
    contact: list[Evidence] = []
    # In a template: elements only some versions of the message have (the evidence is
    # inside a branch), so not every recipient gets them.
    conditional: list[ElementName] = []

    def present(self) -> list[ElementName]:
        """The elements every recipient gets."""
        return [name for name in ELEMENT_NAMES
                if getattr(self, name) and name not in self.conditional]


class ScoreGain(_Frozen):
    """One change that would raise the score: a part to ``add`` (a credit of
    ``rules/scoring.yaml``) or a rule whose findings to ``fix``; ``points`` it would add
    on its own; ``hint`` says what it asks of the writer."""

    add: str | None = None
    fix: str | None = None
    points: int = Field(ge=1)
    hint: str


class Readability(_Frozen):
    """Plain figures from textstat, for the writer's information; they do not score."""

    words: int
    sentences: int
    flesch_reading_ease: float
    flesch_kincaid_grade: float


class Report(_Frozen):
    """The result of linting one message."""

    path: str | None = None
    # How the file was read: text, markdown, html, eml, jinja, handlebars, mustache, liquid.
    syntax: str = "text"
    # How many versions of the message a template can produce that were linted (one for
    # anything else); findings and anatomy cover them all, the score is the lowest.
    variants: int = Field(default=1, ge=1)
    kind: Kind
    kind_source: KindSource
    score: int = Field(ge=0, le=100)
    band: Band
    dimensions: dict[str, int]
    elements: Elements
    findings: list[Finding]
    # What would raise the score, largest first (for the version of a template that
    # scores lowest).
    score_gains: list[ScoreGain] = []
    readability: Readability
    # Findings hidden by ``apology-lint: disable…`` comments.
    suppressed: int = Field(default=0, ge=0)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)


class ToolInfo(_Frozen):
    name: str = "apology-lint"
    version: str


class ScoreGateFailure(_Frozen):
    """A file that scored below the minimum score (``--min-score`` or ``min-score``)."""

    path: str
    score: int
    min_score: int


class Summary(_Frozen):
    files: int
    errors: int
    warnings: int
    infos: int
    mean_score: float | None
    below_min_score: list[ScoreGateFailure] = []


class RunReport(_Frozen):
    """What ``apology-lint --format json`` prints: one run over one or more files."""

    schema_version: str = SCHEMA_VERSION
    tool: ToolInfo
    files: list[Report]
    summary: Summary
