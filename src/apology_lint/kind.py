"""Detecting the kind of message (apology, status update, resolution) when not given."""

from __future__ import annotations

from .lexicons import Lexicons
from .models import Kind

# On a tie, an apology email is the safest reading: it has the strictest rule set.
_TIE_ORDER: tuple[Kind, ...] = ("apology", "resolution", "update")


def detect_kind(text: str, lex: Lexicons) -> Kind:
    votes: dict[Kind, int] = {"apology": 0, "update": 0, "resolution": 0}
    for term in lex.get("kind_cues").terms:
        kind, _, pattern = term.partition(":")
        hits = len(lex.compile(pattern, "lexicon 'kind_cues'").findall(text))
        votes[kind] += min(hits, 2)  # type: ignore[index]
    best = max(votes.values())
    for kind in _TIE_ORDER:
        if votes[kind] == best:
            return kind
    return "apology"
