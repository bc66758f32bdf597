"""The anatomy of a message: which components of a good message are present, with evidence."""

from __future__ import annotations

from .annotate import Analysis, Mark
from .models import ELEMENT_NAMES


def marks_for(a: Analysis, fact: str) -> list[Mark]:
    return a.marks(fact)


def element_marks(a: Analysis) -> dict[str, list[Mark]]:
    """For each element of the anatomy, its evidence in text order, each span once."""
    found: dict[str, list[Mark]] = {}
    for name in ELEMENT_NAMES:
        unique = {(m.start, m.end): m for m in marks_for(a, name)}
        found[name] = sorted(unique.values(), key=lambda m: (m.start, m.end))
    return found
