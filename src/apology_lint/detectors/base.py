"""What every detector returns, and the registry of named (Python) detectors."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate
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


class Taken:
    """The ``[start, end)`` spans a detector has reported so far, and whether a new one
    overlaps any of them, in logarithmic time: comparing each hit with every earlier one
    made a message of many hits quadratic.

    The spans are kept in runs sorted by start, of distinct power-of-two sizes (adding a
    span merges the runs it completes, as a binary counter carries), each run with the
    furthest end reached by its spans up to each position. Spans may overlap each other:
    the furthest end answers for all of them."""

    def __init__(self) -> None:
        self._runs: list[tuple[list[tuple[int, int]], list[int], list[int]]] = []

    def add(self, start: int, end: int) -> None:
        spans = [(start, end)]
        while self._runs and len(self._runs[-1][0]) <= len(spans):
            spans = sorted(self._runs.pop()[0] + spans)  # two sorted runs: a linear merge
        self._runs.append((spans, [s for s, _ in spans], list(accumulate(
            (e for _, e in spans), max))))

    def overlaps(self, start: int, end: int) -> bool:
        """Is there a span ``[s, e)`` with ``s < end`` and ``start < e``?"""
        for _, starts, reach in self._runs:
            i = bisect_left(starts, end)
            if i and reach[i - 1] > start:
                return True
        return False

    def holds(self, offset: int) -> bool:
        """Is there a span ``[s, e)`` with ``s <= offset < e``?"""
        for _, starts, reach in self._runs:
            i = bisect_right(starts, offset)
            if i and reach[i - 1] > offset:
                return True
        return False


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
