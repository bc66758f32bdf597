"""An incident: the timestamped messages a status page posted about one failure.

Every reader (``readers.py``) produces these models, whatever the file's shape, so the
thread rules and ``lint_thread`` see one thing. Times are always timezone-aware: a source
that gives none is taken as UTC, as every status page in the shared corpora writes UTC.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from ..models import Kind

Status = Literal["investigating", "identified", "monitoring", "update", "resolved",
                 "postmortem"]
STATUSES: tuple[Status, ...] = ("investigating", "identified", "monitoring", "update",
                                "resolved", "postmortem")

# What each source's own status words mean, compared with case, spaces, "-" and "_" removed.
# Statuspage's scheduled-maintenance states are folded in: "in progress" and "verifying"
# are updates, "completed" closes the thread.
_STATUS_WORDS: dict[str, Status] = {
    "investigating": "investigating",
    "identified": "identified",
    "monitoring": "monitoring",
    "update": "update", "updated": "update", "inprogress": "update", "ongoing": "update",
    "verifying": "update", "scheduled": "update", "degraded": "update",
    "resolved": "resolved", "completed": "resolved", "complete": "resolved",
    "closed": "resolved", "fixed": "resolved",
    "postmortem": "postmortem", "postincidentreview": "postmortem",
    "postincidentreport": "postmortem", "rca": "postmortem",
}


def normalize_status(raw: object) -> Status:
    """A source's status word as one of ``STATUSES``. A missing or unknown word is an
    update: the message is still part of the thread, and only its kind depends on it."""
    if not isinstance(raw, str):
        return "update"
    key = "".join(ch for ch in raw.lower() if ch.isalnum())
    return _STATUS_WORDS.get(key, "update")


def kind_of(status: Status) -> Kind:
    """The message kind the per-message rules lint a status as."""
    return "resolution" if status in ("resolved", "postmortem") else "update"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class IncidentMessage(_Frozen):
    ts: AwareDatetime
    status: Status
    text: str
    # 1-based line of this message in the source file (its ``body``/``message`` key in a
    # pretty-printed export, its own line in JSONL of messages, the incident's line in a
    # one-incident-per-line corpus), so findings point where the writer can look.
    line: int | None = Field(default=None, ge=1)

    @property
    def kind(self) -> Kind:
        return kind_of(self.status)


class Incident(_Frozen):
    id: str
    title: str | None = None
    # The file it was read from, and the line the incident starts on.
    source: str | None = None
    line: int | None = Field(default=None, ge=1)
    provider: str | None = None
    # As the source says it, lower-case: none, minor, major, critical, maintenance.
    impact: str | None = None
    # When the failure started, if the source knows it apart from the first post
    # (Statuspage's and GitHub's ``started_at``). Not the first message's time.
    started_at: AwareDatetime | None = None
    # Oldest first. Statuspage lists updates newest first; any order is accepted and
    # sorted here (stable, so messages with the same time keep the source's order).
    messages: list[IncidentMessage] = Field(min_length=1)

    @field_validator("messages")
    @classmethod
    def _oldest_first(cls, messages: list[IncidentMessage]) -> list[IncidentMessage]:
        return sorted(messages, key=lambda m: m.ts)

    @property
    def resolved(self) -> bool:
        return any(m.kind == "resolution" for m in self.messages)
