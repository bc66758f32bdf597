"""``type: lexical`` — regular expressions over the writer's sentences."""

from __future__ import annotations

import re
from bisect import bisect_left

from ..annotate import Analysis, Sent
from ..elements import marks_for
from ..lexicons import Lexicons
from ..models import Kind
from ..prefilter import Prefilter, ascii_lower
from ..rulespec import LexicalDetector
from .base import Hit, Level, Taken


class Lexical:
    def __init__(self, spec: LexicalDetector, lex: Lexicons, where: str) -> None:
        self.patterns = [lex.compile(p, f"{where}: patterns") for p in spec.patterns]
        # Each pattern with its prefilter (None: always searched), built once.
        self.filtered = [(p, Prefilter.of(p)) for p in self.patterns]
        # All their strings, when every pattern has a prefilter: a message holding none of
        # them is ruled out by one check (``_possible``).
        prefilters = [f for _, f in self.filtered if f is not None]
        self._any = (Prefilter(frozenset().union(*(f.literals for f in prefilters)))
                     if len(prefilters) == len(self.filtered) else None)
        self.unless = [lex.compile(p, f"{where}: unless_sentence") for p in spec.unless_sentence]
        self.escalate = [
            lex.compile(p, f"{where}: escalate_if_sentence") for p in spec.escalate_if_sentence
        ]
        self.downgrade = [
            lex.compile(p, f"{where}: downgrade_if_sentence") for p in spec.downgrade_if_sentence
        ]
        self.only_if = [
            lex.compile(p, f"{where}: only_if_sentence") for p in spec.only_if_sentence
        ]
        self.unless_near = spec.unless_near
        self.level: Level = spec.level
        self.unless_negated = spec.unless_negated
        self.escalate_unless_present = spec.escalate_unless_present
        self.only_in_part = spec.only_in_part
        self.qualified_ok = (lex.words(spec.unless_name_qualifies)
                             if spec.unless_name_qualifies else None)

    def run(self, a: Analysis, kind: Kind) -> list[Hit]:
        hits: list[Hit] = []
        possible = self._possible(a.text)
        if not possible:
            return hits  # no sentence can match: the conditions below are never read
        taken = Taken()  # the spans of ``hits``
        near: list[int] | None = None  # the sentences of the ``unless_near`` facts, sorted
        lacking = self.escalate_unless_present is not None and not marks_for(
            a, self.escalate_unless_present)
        carrying = ({m.sent for m in marks_for(a, self.only_in_part)}
                    if self.only_in_part else None)
        for sent in a.sentences():
            if carrying is not None and sent.index not in carrying:
                continue
            # The patterns first: most sentences match none, and then the sentence-wide
            # conditions below need not be read at all. A pattern its prefilter rules out
            # would find nothing, so ``found`` is the same without it.
            lowered = ascii_lower(sent.text)
            found = [m for pattern, prefilter in possible
                     if prefilter is None or lowered is None or not prefilter.absent(lowered)
                     for m in pattern.finditer(sent.text)]
            if not found:
                continue
            if any(p.search(sent.text) for p in self.unless):
                continue
            if self.only_if and not any(p.search(sent.text) for p in self.only_if):
                continue
            if self.unless_near is not None:
                if near is None:
                    near = self._fact_sentences(a)
                if self._fact_near(near, sent):
                    continue
            level: Level = self.level
            if lacking or any(p.search(sent.text) for p in self.escalate):
                level = "escalated"
            elif any(p.search(sent.text) for p in self.downgrade):
                level = "downgraded"
            for m in found:
                start, end = sent.start + m.start(), sent.start + m.end()
                if end == start or a.is_quoted(start, end):
                    continue
                if self.unless_negated and a.negated_before(sent, start):
                    continue
                if taken.overlaps(start, end):
                    continue
                if self.qualified_ok is not None and self._name_qualifies(a, start, end):
                    continue
                taken.add(start, end)
                hits.append(Hit(start, end, level=level))
        return hits

    def _possible(self, text: str) -> list[tuple[re.Pattern[str], Prefilter | None]]:
        """The patterns that may match some sentence of ``text``: a sentence is a slice of
        the message, so a string a prefilter finds nowhere in the lower-cased message is
        in none of its sentences, and there the pattern finds nothing. Most messages hold
        none of a rule's strings, and then no sentence need be read."""
        lowered = ascii_lower(text)
        if lowered is None:
            return self.filtered
        if self._any is not None and self._any.absent(lowered):
            return []
        return [(pattern, prefilter) for pattern, prefilter in self.filtered
                if prefilter is None or not prefilter.absent(lowered)]

    def _name_qualifies(self, a: Analysis, start: int, end: int) -> bool:
        """The match ends in a proper name that modifies a later noun, which is not one
        of the nouns that keep it a cause."""
        span = a.doc.char_span(start, end, alignment_mode="expand")
        if span is None or not len(span):
            return False
        last = span[-1]
        head = last.head
        return (last.tag_ in ("NNP", "NNPS") and last.dep_ in ("compound", "nmod", "amod")
                and head.i > last.i and head.lower_ not in (self.qualified_ok or ()))

    def _fact_sentences(self, a: Analysis) -> list[int]:
        """The sentences holding a fact ``unless_near`` names, in order, read once per
        message: reading every mark again for each sentence was quadratic."""
        guard = self.unless_near
        assert guard is not None
        return sorted(m.sent for fact in guard.facts for m in marks_for(a, fact))

    def _fact_near(self, near: list[int], sent: Sent) -> bool:
        guard = self.unless_near
        assert guard is not None
        first = sent.index if guard.same_sentence else sent.index + 1
        i = bisect_left(near, first)
        return i < len(near) and near[i] <= sent.index + guard.after
