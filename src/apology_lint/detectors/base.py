"""What every detector returns, and the registry of named (Python) detectors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from ..annotate import Analysis
from ..models import Kind

Level = Literal["normal", "escalated", "downgraded"]


@dataclass(frozen=True)
class Hit:
    """One place a rule fires. ``level`` picks the rule's severity variant."""

    start: int
    end: int
    level: Level = "normal"
    # A suggestion computed from this message (else the rule's generic one is shown).
    suggestion: str | None = None
    # A message-level finding (something missing): the span is the message's first line.
    message_level: bool = False


class Detector(Protocol):
    def run(self, a: Analysis, kind: Kind) -> list[Hit]: ...


NamedFn = Callable[[Analysis, Kind, dict[str, Any]], list[Hit]]
NAMED: dict[str, NamedFn] = {}


def named(name: str) -> Callable[[NamedFn], NamedFn]:
    """Register a Python detector under the name rule files use (``type: named``)."""

    def register(fn: NamedFn) -> NamedFn:
        NAMED[name] = fn
        return fn

    return register


def first_line(a: Analysis) -> tuple[int, int]:
    """The span a message-level finding points at: the first non-blank line."""
    for sent in a.sentences():
        line_end = a.text.find("\n", sent.start)
        end = sent.end if line_end == -1 else min(sent.end, line_end)
        return sent.start, max(end, sent.start + 1)
    stripped = a.text.strip()
    if not stripped:
        return 0, 0
    start = a.text.index(stripped[0])
    return start, start + len(stripped.split("\n")[0])


def message_hit(a: Analysis, level: Level = "normal", suggestion: str | None = None) -> Hit:
    start, end = first_line(a)
    return Hit(start, end, level=level, suggestion=suggestion, message_level=True)
