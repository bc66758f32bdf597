"""The audit's data at its boundaries: a line of ``messages.jsonl``, the summaries in
``aggregates.json``, and what ``audit()`` returns.

These are pydantic models because other programs read them (the team's own analysis of
``messages.jsonl``, part 4's Dask workers sending rows and aggregates back). The
accumulating state itself (``aggregate.py``) is plain dataclasses of integers: it is
updated 44,000 times per run and must merge exactly.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ..models import SCHEMA_VERSION, Band, ElementName, Kind
from ..threads.incident import Status

GroupDimension = Literal["provider", "quarter", "year", "kind", "file"]
GROUP_DIMENSIONS: tuple[GroupDimension, ...] = ("provider", "quarter", "year", "kind", "file")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def quarter_of(ts: datetime) -> str:
    """"2024Q3": the calendar quarter of ``ts`` in UTC (every corpus writes UTC, and a
    message posted at 23:30 in New York on 30 September belongs to Q4 for everyone
    else reading the status page)."""
    utc = ts.astimezone(timezone.utc)
    return f"{utc.year}Q{(utc.month - 1) // 3 + 1}"


class MessageRow(_Frozen):
    """One line of ``messages.jsonl``: one message of one incident, linted."""

    provider: str
    file: str
    incident: str
    # The incident's impact as the source says it (none, minor, major, critical,
    # maintenance) and its start, when the source knows it apart from the first post.
    impact: str | None = None
    started_at: AwareDatetime | None = None
    # 0-based position in the time-sorted thread, its time and its line in the file.
    index: int = Field(ge=0)
    ts: AwareDatetime
    line: int | None = None
    status: Status
    kind: Kind
    score: int = Field(ge=0, le=100)
    band: Band
    # The parts of a good message this one has (``Report.elements`` that are not empty).
    elements: list[ElementName]
    # Message rules that fired (each once, sorted) and how many findings they made.
    rules: list[str]
    findings: int = Field(ge=0)
    # Thread rules whose finding points at this message.
    thread_rules: list[str]
    # An update that promises the next one by a time ("next update in 30 minutes") and
    # is followed by another message: the denominator of the promise-kept rate, whose
    # numerator is the same messages without ``broken-update-promise``.
    next_update_promise: bool = False

    @property
    def quarter(self) -> str:
        return quarter_of(self.ts)

    def dimension(self, name: GroupDimension) -> str:
        """The row's value of a ``--group-by`` dimension."""
        if name == "quarter":
            return self.quarter
        if name == "year":
            return str(self.ts.astimezone(timezone.utc).year)
        if name == "kind":
            return self.kind
        if name == "file":
            return self.file
        return self.provider


# --- aggregates.json ------------------------------------------------------------------


class KindSummary(_Frozen):
    messages: int
    mean_score: float | None
    median_score: float | None
    # Interpolated between order statistics, as numpy's and Python's ``quantiles``
    # (``inclusive``) do: exact from the per-score counts.
    p10_score: float | None
    p25_score: float | None
    p75_score: float | None
    p90_score: float | None
    # Messages per score bin: 0-9, 10-19, …, 80-89, 90-100.
    histogram: list[int]
    bands: dict[str, int]
    # Share (0-1) of the kind's messages that have each part.
    parts: dict[str, float]


class RuleRate(_Frozen):
    rule: str
    # Messages the rule fired on, and that per 100 messages of the group.
    messages: int
    per_100: float


class DelayBin(_Frozen):
    label: str
    incidents: int


class DelaySummary(_Frozen):
    """First-response delay: the first post's time minus the incident's start, over the
    incidents whose source gives a start (maintenance left out, as the thread rule does)."""

    incidents: int
    mean_minutes: float
    median_minutes: float
    p90_minutes: float
    min_minutes: int
    max_minutes: int
    bins: list[DelayBin]


class GroupSummary(_Frozen):
    key: dict[str, str]
    messages: int
    incidents: int
    kinds: dict[str, KindSummary]
    promises: int
    broken_promises: int
    # Kept promises over promises; None when the group made none.
    promise_kept_rate: float | None
    first_response: DelaySummary | None
    # The 15 rules that fire on most messages, per 100 messages of the group.
    message_rules: list[RuleRate]
    thread_rules: list[RuleRate]


class AggregatesDocument(_Frozen):
    """``aggregates.json``."""

    schema_version: str = SCHEMA_VERSION
    group_by: list[GroupDimension]
    total: GroupSummary
    groups: list[GroupSummary]
    # Each --group-by dimension on its own (exact counts of incidents, which summing
    # the groups would not give: an incident can span two quarters).
    by_dimension: dict[str, list[GroupSummary]]
    input_errors: int


# --- the run --------------------------------------------------------------------------


class AuditSummary(_Frozen):
    """What ``audit()`` returns."""

    out_dir: str
    files: list[str]
    messages: int
    incidents: int
    # Distinct (text, kind) pairs the linter ran on; the rest came from the cache.
    linted: int
    seconds: float
    errors: list[str]
    # Errors past the first 1,000 are counted, not kept.
    error_count: int
    outputs: list[str]
