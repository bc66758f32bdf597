"""Detecting the kind of message (apology, status update, resolution) when not given:
the trained kind model (``parts_model.py``) when the pipeline has it, else cue patterns
(lexicon ``kind_cues``)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from .annotate import Analysis
from .lexicons import Lexicons
from .models import KINDS, Kind

# Below this probability the kind model is unsure, and the cues decide when they agree on
# one kind. Set on the training data's held-out messages: the model is right for 92% of
# those it is this sure of, and with the cues for the rest 88.4% are right (87.2% with
# the model alone; 0.7 and 0.9 do worse).
MODEL_CONFIDENT = 0.8
# On a tie, an apology email is the safest reading: it has the strictest rule set.
_TIE_ORDER: tuple[Kind, ...] = ("apology", "resolution", "update")
_NOT_APOLOGY: tuple[Kind, ...] = ("resolution", "update")


@lru_cache(maxsize=8)
def _cues(lex: Lexicons, name: str = "kind_cues") -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The ``kind:pattern`` terms of a kind lexicon, compiled; read once per lexicon set,
    since every message without a given kind asks for them."""
    return tuple((kind, lex.filtered(pattern, f"lexicon '{name}'"))
                 for kind, _, pattern in (term.partition(":") for term in lex.get(name).terms))


def detect_kind(a: Analysis, lex: Lexicons) -> Kind:
    """A status label the message starts with, else the trained kind model's answer when
    it read the message, else the cues'."""
    for kind, pattern in _cues(lex, "kind_status_labels"):
        if pattern.match(a.text.lstrip()):  # the first line only
            return kind  # type: ignore[return-value]
    # An apology is a message whose main purpose is to apologise: one that apologises
    # nowhere is an update or a resolution, whatever its tone.
    apologises = lex.regex("apology_kind_words").search(a.text)
    allowed = KINDS if apologises else _NOT_APOLOGY
    found = _model_kind(a.doc, allowed)
    if found is not None and a.doc.cats[found] >= MODEL_CONFIDENT:
        return found
    cued = kind_from_cues(a.text, lex, decisive_only=found is not None, allowed=allowed)
    return cued or found or allowed[0]


def _model_kind(doc: Any, allowed: tuple[Kind, ...]) -> Kind | None:
    """The kind model's best answer among ``allowed``, if the model read the message."""
    from .parts_model import detected_kind

    if detected_kind(doc) is None:
        return None
    return max(allowed, key=lambda kind: doc.cats[kind])


def kind_from_cues(text: str, lex: Lexicons, decisive_only: bool = False,
                   allowed: tuple[Kind, ...] = KINDS) -> Kind | None:
    """The kind the cue patterns vote for; with ``decisive_only``, None unless one kind
    has more votes than every other."""
    votes: dict[Kind, int] = dict.fromkeys(allowed, 0)
    for kind, pattern in _cues(lex):
        if kind in votes:
            votes[kind] += min(len(pattern.findall(text)), 2)
    best = max(votes.values())
    leaders = [kind for kind in _TIE_ORDER if votes.get(kind) == best]
    if decisive_only and (best == 0 or len(leaders) > 1):
        return None
    return leaders[0]
