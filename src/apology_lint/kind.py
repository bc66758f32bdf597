"""Detecting the kind of message (apology, status update, resolution) when not given:
the trained kind model (``parts_model.py``) when the pipeline has it, else cue patterns
(lexicon ``kind_cues``)."""

from __future__ import annotations

import re

from .annotate import Analysis
from .lexicons import Lexicons
from .models import Kind

# Below this probability the kind model is unsure, and the cues decide when they agree on
# one kind. Set on the training data's held-out messages: the model is right for 92% of
# those it is this sure of, and with the cues for the rest 88.4% are right (87.2% with
# the model alone; 0.7 and 0.9 do worse).
MODEL_CONFIDENT = 0.8
# On a tie, an apology email is the safest reading: it has the strictest rule set.
_TIE_ORDER: tuple[Kind, ...] = ("apology", "resolution", "update")


def _cues(lex: Lexicons, name: str = "kind_cues") -> list[tuple[str, re.Pattern[str]]]:
    """The ``kind:pattern`` terms of a kind lexicon, compiled once per lexicon set."""
    cache: dict[str, list[tuple[str, re.Pattern[str]]]] = lex.__dict__.setdefault(
        "_kind_patterns", {})
    if name not in cache:
        cache[name] = []
        for term in lex.get(name).terms:
            kind, _, pattern = term.partition(":")
            cache[name].append((kind, lex.compile(pattern, f"lexicon '{name}'")))
    return cache[name]


def detect_kind(a: Analysis, lex: Lexicons) -> Kind:
    """A status label the message starts with, else the trained kind model's answer when
    it read the message, else the cues'."""
    from .parts_model import detected_kind

    for kind, pattern in _cues(lex, "kind_status_labels"):
        if pattern.match(a.text.lstrip()):  # the first line only
            return kind  # type: ignore[return-value]
    found = detected_kind(a.doc)
    if found is not None and a.doc.cats[found] >= MODEL_CONFIDENT:
        return found  # type: ignore[return-value]
    cued = kind_from_cues(a.text, lex, decisive_only=found is not None)
    return cued or found or "apology"  # type: ignore[return-value]


def kind_from_cues(text: str, lex: Lexicons, decisive_only: bool = False) -> Kind | None:
    """The kind the cue patterns vote for; with ``decisive_only``, None unless one kind
    has more votes than every other."""
    votes: dict[Kind, int] = {"apology": 0, "update": 0, "resolution": 0}
    for kind, pattern in _cues(lex):
        votes[kind] += min(len(pattern.findall(text)), 2)  # type: ignore[index]
    best = max(votes.values())
    leaders = [kind for kind in _TIE_ORDER if votes[kind] == best]
    if decisive_only and (best == 0 or len(leaders) > 1):
        return None
    return leaders[0]
