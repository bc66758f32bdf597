"""Named detectors for register: apology inflation (C25) and unexplained jargon (C27)."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from typing import Any

from ..annotate import Analysis
from ..dictionary import is_english_word
from ..models import Kind
from .base import Hit, named

_WORD = re.compile(r"\b\w+\b")


@named("repeated_apology")
def repeated_apology(a: Analysis, kind: Kind, params: dict[str, Any]) -> list[Hit]:
    """More than ``max`` apologies within any ``window`` words: points at the extra ones.

    A long post-mortem may apologize in its summary and again at the end; three sorries
    in one short paragraph is inflation.
    """
    most = int(params.get("max", 2))
    window = int(params.get("window", 150))
    starts = [ap.start for ap in a.apologies]
    # An apology's position in words: the words before it, counted on from the apology
    # before it (apologies are in text order). Counting the whole text before each one
    # was quadratic in a message of many apologies.
    positions: list[int] = []
    words = previous = 0
    for start in starts:
        words += len(_WORD.findall(a.text, previous, start))
        positions.append(words)
        previous = start
    hits = []
    for i in range(most, len(starts)):
        if positions[i] - positions[i - most] <= window:
            ap = a.apologies[i]
            hits.append(Hit(ap.start, ap.end, suggestion=(
                f"This is apology number {i + 1} in {positions[i] - positions[i - most] + 1} "
                "words. Keep one clear apology and spend the words on what happened and "
                "what you are doing.")))
    return hits


# Capitals of two to six characters; a reference number ("HC-20931") is not an acronym.
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]{1,5}s?\b(?!-?\d)")
# A whole non-space run holding "://", "www." or "@". Tried only where a run starts: tried
# at every character, one long word without a marker was read to its end from each of them.
_URLISH = re.compile(r"(?<!\S)\S*(?:://|www\.|@)\S*")


class _Spans:
    """Sorted, non-overlapping ``[start, end)`` ranges (regex matches): which one holds a
    span is a binary search, not a scan of all of them for every candidate."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.spans = sorted(spans)
        self.starts = [s for s, _ in self.spans]

    def holds(self, start: int, end: int) -> bool:
        i = bisect_right(self.starts, start) - 1
        return i >= 0 and end <= self.spans[i][1]


class _Lines:
    """Whether the line holding an offset is all capitals (a heading), worked out once per
    line: a long line of many sentences was copied and read again for each of them."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.breaks = [m.start() for m in re.finditer("\n", text)]
        self.known: dict[int, bool] = {}

    def heading(self, offset: int) -> bool:
        i = bisect_left(self.breaks, offset)
        start = self.breaks[i - 1] + 1 if i else 0
        if start not in self.known:
            end = self.breaks[i] if i < len(self.breaks) else len(self.text)
            self.known[start] = not any(map(str.islower, self.text[start:end]))
        return self.known[start]


def _explained(text: str, start: int, end: int) -> bool:
    """"single sign-on (SSO)", "SSO (single sign-on)", "etcd, the database that…"."""
    before = text[max(0, start - 2):start]
    after = text[end:end + 40]
    return before.endswith("(") or bool(
        re.match(r"\s*\(|,\s*(?:the|a|an|our|which|meaning|i\.e\.)\b|\s+(?:-|\u2014)\s", after))


@named("jargon")
def jargon(a: Analysis, kind: Kind, params: dict[str, Any]) -> list[Hit]:
    """Unexplained acronyms and engineering terms; each term is reported once.

    An acronym is a word in capitals that is not in ``acronym_allowlist``, not an English
    word set in capitals ("UPDATE"), not on an all-capitals line (a heading) and not
    explained anywhere in the message.
    """
    allow = a.lex.words("acronym_allowlist")
    terms = a.lex.regex("jargon_terms")
    urls = _Spans([(m.start(), m.end()) for m in _URLISH.finditer(a.text)])
    quoted = _Spans(a.quoted)
    lines = _Lines(a.text)
    explained: set[str] = set()
    found: list[tuple[int, int, str]] = []
    for sent in a.sentences():
        heading = lines.heading(sent.start)
        candidates = [] if heading else [
            m for m in _ACRONYM.finditer(sent.text)
            if m.group(0).lower() not in allow and m.group(0).rstrip("s").lower() not in allow
            and not is_english_word(m.group(0))]
        candidates += list(terms.finditer(sent.text))
        for m in candidates:
            start, end = sent.start + m.start(), sent.start + m.end()
            key = m.group(0).lower()
            if quoted.holds(start, end) or urls.holds(start, start + 1):
                continue
            if _explained(a.text, start, end):
                explained.add(key)
            else:
                found.append((start, end, key))
    hits = []
    reported: set[str] = set()
    for start, end, key in sorted(found):
        if key in explained or key in reported:
            continue
        reported.add(key)
        hits.append(Hit(start, end, suggestion=(
            f"Say what \"{a.text[start:end]}\" means for the client in plain words, or explain "
            "it once in brackets. If your clients know the term, add it to the acronym "
            "allowlist.")))
    return hits
