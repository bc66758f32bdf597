"""The anatomy of a message: which components of a good message are present, with evidence."""

from __future__ import annotations

from .annotate import Analysis, Mark
from .models import ELEMENT_NAMES, Elements
from .positions import LineIndex


def marks_for(a: Analysis, fact: str) -> list[Mark]:
    if fact == "apology":
        return [Mark(ap.start, a.sents[ap.sent].end, ap.sent) for ap in a.apologies]
    marks: list[Mark] = getattr(a, fact)
    return marks


def elements(a: Analysis, index: LineIndex) -> Elements:
    found = {}
    for name in ELEMENT_NAMES:
        seen: set[tuple[int, int]] = set()
        evidence = []
        for m in sorted(marks_for(a, name), key=lambda m: m.start):
            if (m.start, m.end) not in seen:
                seen.add((m.start, m.end))
                evidence.append(index.evidence(m.start, m.end))
        found[name] = evidence
    return Elements(**found)
