"""What one reader step produces: text for the next step, and how it maps back."""

from __future__ import annotations

from dataclasses import dataclass, field

from .offsets import OffsetMap


@dataclass(frozen=True)
class Problem:
    """Broken markup or template syntax, at ``[start, end)`` of the reader's input."""

    message: str
    start: int
    end: int


@dataclass
class Layer:
    text: str
    offsets: OffsetMap  # offsets in ``text`` → offsets in the reader's input
    problems: list[Problem] = field(default_factory=list)  # in input offsets
    # Ranges of the input that are not the writer's prose (an email signature): they are
    # parsed, so a signature still shows who to contact, but no finding may start there.
    quiet: list[tuple[int, int]] = field(default_factory=list)
