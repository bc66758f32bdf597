"""Named detectors for what a complete message contains, when a fact alone is not enough.

Each one judges the whole message, points at its first line (a message-level finding),
and, where it can, says exactly which part is missing in the suggestion.
"""

from __future__ import annotations

import re
from datetime import timedelta
from functools import lru_cache
from typing import Any

from ..annotate import Analysis, Sent
from ..models import Kind
from ..prefilter import FilteredPattern
from .base import Hit, message_hit, named

_WORD = re.compile(r"[a-z0-9']+")
# A feature named by what the client cannot do: "users can't log in", "unable to pay".
# (This pattern and _RECOVERED first ask a prefilter, as the lexicons' do: most sentences
# hold none of the strings every match needs.)
_FEATURE_ACTION = FilteredPattern.wrap(re.compile(
    r"\b(?:cannot|can't|couldn't|could\s+not|unable\s+to|not\s+able\s+to|fail(?:s|ed|ing)?\s+to)\s+"
    r"(?!(?:be|get|do|have|make|work)\b)[a-z]+", re.IGNORECASE))
_COUNTS = re.compile(r"\d")
# A later update describes the state that came back: "Gradebook is loading normally again".
_RECOVERED = FilteredPattern.wrap(re.compile(
    r"\b(?:normally|restored|recovered|back\s+(?:up|online|to\s+normal)|working\s+again)\b",
    re.IGNORECASE))


def _component(a: Analysis, sent: Sent) -> bool:
    """Does the sentence name a component or feature (not "services", "an issue")?"""
    if _FEATURE_ACTION.search(sent.text):
        return True
    generic = a.lex.words("generic_nouns")
    for tok in sent.span:
        if tok.tag_.startswith("NN") and tok.lower_ not in generic \
                and not a.is_quoted(tok.idx, tok.idx + len(tok)) and not tok.like_num:
            return True
    return False


@named("missing_impact_scope")
def missing_impact_scope(a: Analysis, kind: Kind, params: dict[str, Any]) -> list[Hit]:
    """S02: an update needs a component, a symptom and a scope.

    No symptom, or no component with its symptom: the rule's severity. A component and
    symptom without any scope (who, how many, since when): the downgraded severity.
    """
    if not a.sentences():
        return []
    described = [s for s in a.sentences()
                 if (a.search("symptoms", s) or _RECOVERED.search(s.text)) and _component(a, s)]
    if not described:
        return [message_hit(a, suggestion=(
            "Say what is failing and how: the feature, the symptom, who is affected and "
            "since when."))]
    if a.lex.regex("impact_scope").search(a.text) or a.times:
        return []
    return [message_hit(a, level="downgraded", suggestion=(
        "Add the scope: who is affected (all customers, the EU region, about 20% of "
        "requests) and since when."))]


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


@lru_cache(maxsize=8)
def _stock_words(terms: tuple[str, ...]) -> tuple[frozenset[str], ...]:
    """The words of each stock update: the same for every message of a run."""
    return tuple(frozenset(_words(t)) for t in terms)


@named("content_less_update")
def content_less_update(a: Analysis, kind: Kind, params: dict[str, Any]) -> list[Hit]:
    """S05: an update that tells the client nothing new.

    Either it is mostly a stock sentence (``stock_updates``), or it carries none of: a
    time or number, an action under way, a confirmed or open question, guidance, a next
    update, or a described symptom.
    """
    if not a.sentences():
        return []
    overlap = float(params.get("overlap", 0.8))
    words = _words(" ".join(s.text for s in a.sentences()))
    stock = _stock_words(tuple(a.lex.get("stock_updates").terms))
    if len(words) >= 3 and any(
            sum(map(template.__contains__, words)) / len(words) >= overlap
            for template in stock):
        return [message_hit(a)]
    news = (a.times or _COUNTS.search(a.text) or a.current_action or a.known_unknown
            or a.guidance or a.next_update
            or any(a.search("symptoms", s) and _component(a, s) for s in a.sentences()))
    return [] if news else [message_hit(a)]


@named("unquantified_impact")
def unquantified_impact(a: Analysis, kind: Kind, params: dict[str, Any]) -> list[Hit]:
    """R06: after the fact, state when, how many and what failed."""
    if not a.sentences():
        return []
    missing = []
    if not a.times:
        missing.append("when it started and ended (or how long it lasted)")
    if not a.lex.regex("impact_scope").search(a.text):
        missing.append("how many were affected (a count, a percentage or a named group)")
    if not a.lex.regex("symptoms").search(a.text):
        missing.append("what failed for them (the symptom)")
    if not missing:
        return []
    example = '"From 16:58 to 18:46 UTC (1 h 48 min), 78% of checkout requests failed."'
    return [message_hit(a, suggestion=f"Add {'; '.join(missing)}. For example: {example}")]


@named("no_owner_or_contact")
def no_owner_or_contact(a: Analysis, kind: Kind, params: dict[str, Any]) -> list[Hit]:
    """A05: "do not reply", or no one to talk to: neither a named owner nor an invitation.

    A named person with a role, or a direct invitation (a reply address, a phone line, "I'll
    call you"), is enough on its own; the catalog's stricter reading (both, always) fired
    on messages careful editors judged fine.
    """
    hits = []
    for m in a.lex.regex("no_reply").finditer(a.text):
        if not a.is_quoted(m.start(), m.end()):
            hits.append(Hit(m.start(), m.end(), suggestion=(
                "Let the client reply to a person: \"Reply to this email; it comes straight "
                "to me.\"")))
    if hits or not a.sentences() or a.contact:
        return hits
    return [message_hit(a)]


@named("no_follow_up")
def no_follow_up(a: Analysis, kind: Kind, params: dict[str, Any]) -> list[Hit]:
    """R07: no dated promise to communicate again and no named person to talk to."""
    if not a.sentences() or a.follow_up or a.next_update or a.signoff:
        return []
    return [message_hit(a)]


_DURATION = re.compile(r"^(\d+)\s*(m|h|d)$")


def _threshold(value: str) -> timedelta:
    m = _DURATION.match(value.strip())
    if not m:
        raise ValueError(f"threshold {value!r}: expected a number and m, h or d (e.g. 15m)")
    n, unit = int(m.group(1)), m.group(2)
    return {"m": timedelta(minutes=n), "h": timedelta(hours=n), "d": timedelta(days=n)}[unit]


@named("late_by_timestamps")
def late_by_timestamps(a: Analysis, kind: Kind, params: dict[str, Any]) -> list[Hit]:
    """A06 with metadata: the message went out later than the threshold for its kind."""
    meta = a.meta
    limit = params.get("threshold", {}).get(kind)
    if meta.incident_start is None or meta.sent_at is None or limit is None:
        return []
    waited = meta.sent_at - meta.incident_start
    if waited <= _threshold(str(limit)):
        return []
    hours = waited.total_seconds() / 3600
    return [message_hit(a, suggestion=(
        f"This message went out {hours:.1f} h after the incident started (the target for "
        f"this kind is {limit}). Say so and say why: \"We should have told you sooner.\""))]
