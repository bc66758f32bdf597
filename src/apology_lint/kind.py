"""Detecting the kind of message (apology, status update, resolution) when not given."""

from __future__ import annotations

import re

from .lexicons import Lexicons
from .models import Kind

# On a tie, an apology email is the safest reading: it has the strictest rule set.
_TIE_ORDER: tuple[Kind, ...] = ("apology", "resolution", "update")


def _cues(lex: Lexicons) -> list[tuple[str, re.Pattern[str]]]:
    """The ``kind:pattern`` terms of lexicon ``kind_cues``, compiled once per lexicon set."""
    cached: list[tuple[str, re.Pattern[str]]] | None = getattr(lex, "_kind_cues", None)
    if cached is None:
        cached = []
        for term in lex.get("kind_cues").terms:
            kind, _, pattern = term.partition(":")
            cached.append((kind, lex.compile(pattern, "lexicon 'kind_cues'")))
        lex._kind_cues = cached  # type: ignore[attr-defined]
    return cached


def detect_kind(text: str, lex: Lexicons) -> Kind:
    votes: dict[Kind, int] = {"apology": 0, "update": 0, "resolution": 0}
    for kind, pattern in _cues(lex):
        votes[kind] += min(len(pattern.findall(text)), 2)  # type: ignore[index]
    best = max(votes.values())
    for kind in _TIE_ORDER:
        if votes[kind] == best:
            return kind
    return "apology"
