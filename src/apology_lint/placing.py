"""Placing: each rule's detectors run on one version of the message, and each hit becomes
a finding placed in the source file (template tags and markup mapped back through the
version's offsets), once per phrase and per sentence, with its severity and suggestion.

The findings about the file itself (broken template syntax, suppressions that do
nothing) are made here too, from the reader's problems and the suppression comments.
"""

from __future__ import annotations

import bisect
import itertools
import re

from .annotate import Analysis
from .detectors import Detector, Hit
from .detectors.lexical import Lexical
from .models import Evidence, Finding, Kind, Severity
from .positions import LineIndex, Ranges
from .readers import Document
from .readers.layer import Layer
from .readers.offsets import clip
from .ruleset import RuleSet
from .rulespec import RuleSpec
from .suppressions import ALL, Directives, SuppressionIndex

# Rules about the file rather than the message.
TEMPLATE_SYNTAX = "template-syntax"
UNUSED_SUPPRESSION = "unused-suppression"


class Placer:
    """A rule set's detectors, and how their hits become findings."""

    def __init__(self, rules: RuleSet, detectors: dict[str, list[Detector]]) -> None:
        self.rules = rules
        self.detectors = detectors
        # The word patterns of every rule, to keep a computed suggestion from proposing
        # words another rule flags ("for the inconvenience"); each with its prefilter, as
        # most quotes hold none of a pattern's strings.
        self._flag_patterns = [(rule_id, pattern, prefilter)
                               for rule_id, found in detectors.items()
                               for d in found if isinstance(d, Lexical)
                               for pattern, prefilter in d.filtered]
        # Each rule's generic suggestion made one line, when it quotes nothing of the
        # message: the same for every finding of the rule.
        self._generic = {rule.id: _one_line(rule.suggestion) for rule in rules.rules
                         if "{flagged}" not in rule.suggestion}
        # ``_quotes_flagged``'s answers: computed suggestions repeat across messages (a
        # hundred distinct in thousands of findings), each checked against every pattern.
        self._flagged: dict[tuple[str, str], bool] = {}

    def place(self, layer: Layer, a: Analysis, kind: Kind, lines: LineIndex) -> list[Finding]:
        """Every rule's findings on one version of the message (``layer``, read as
        ``a``), in source offsets; suppressions are a later pass."""
        findings: list[Finding] = []
        sentence_starts = [s.start for s in a.sents]
        placeholders = _placeholders(layer, lines.text)
        quiet = Ranges(layer.quiet)
        for rule in self.rules.rules:
            base = rule.severity.get(kind)
            if base is None:
                continue
            kept = _Disjoint()
            sentences: set[int] = set()
            for detector in self.detectors[rule.id]:
                for hit in detector.run(a, kind):
                    clipped = clip(layer.text, layer.offsets, hit.start, hit.end)
                    if clipped is None and hit.message_level:
                        clipped = _first_written_line(layer)
                    if clipped is None:
                        continue  # only placeholders: nothing the writer wrote
                    start, end = layer.offsets.span(*clipped)
                    # One finding per phrase and per sentence: a rule's detectors may find
                    # overlapping spans ("due to our upstream provider" and "upstream
                    # provider"), and three acronyms in one sentence are one thing to fix.
                    sentence = -1 if hit.message_level else \
                        bisect.bisect_right(sentence_starts, hit.start)
                    if kept.overlaps(start, end) or sentence in sentences or start in quiet:
                        continue
                    kept.add(start, end)
                    sentences.add(sentence)
                    flagged = layer.text[clipped[0]:clipped[1]]
                    findings.append(self._finding(rule, kind, base, hit, lines, start, end,
                                                  flagged, placeholders))
        return findings

    def file_findings(self, doc: Document, kind: Kind, lines: LineIndex,
                      directives: Directives, suppressions: SuppressionIndex
                      ) -> list[Finding]:
        """Findings about the file rather than the message: broken syntax, suppressions
        that do nothing (``suppressions``: ``directives``' own, indexed, after every
        version's findings went through them)."""
        found: list[Finding] = []
        by_id = self.rules.by_id
        if TEMPLATE_SYNTAX in by_id:
            for p in doc.problems:
                if not suppressions.hide(TEMPLATE_SYNTAX, p.start):
                    found.append(self._file_finding(by_id[TEMPLATE_SYNTAX], kind, lines,
                                                    p.start, max(p.end, p.start + 1),
                                                    p.message))
        suppressions.mark_used()  # every finding has been asked about
        if UNUSED_SUPPRESSION not in by_id:
            return found
        problems = [(message, start, end) for message, start, end in directives.invalid]
        enabled = set(by_id) | {ALL}
        for sup in directives.suppressions:
            unused = [r for r in sup.unused() if r in enabled]
            if unused:
                what = "nothing" if unused == [ALL] else "no " + ", ".join(unused) + " finding"
                problems.append((f"'{sup.text}' suppresses {what} here", *sup.comment))
        for message, start, end in problems:
            # Only a suppression that names the rule hides these, not a bare ``disable``.
            if not suppressions.names(UNUSED_SUPPRESSION, start):
                found.append(self._file_finding(by_id[UNUSED_SUPPRESSION], kind, lines,
                                                start, end, message))
        return found

    def _file_finding(self, rule: RuleSpec, kind: Kind, lines: LineIndex, start: int,
                      end: int, message: str) -> Finding:
        severity = self.rules.severity_overrides.get(rule.id, rule.severity.get(kind, "error"))
        return Finding(rule=rule.id, severity=severity,
                       dimension=rule.dimension, message=message,
                       suggestion=rule.suggestion.strip(), span=lines.span(start, end),
                       text=lines.text[start:end])

    def _finding(self, rule: RuleSpec, kind: Kind, base: Severity, hit: Hit, lines: LineIndex,
                 start: int, end: int, flagged: str,
                 placeholders: dict[str, str | None]) -> Finding:
        overrides = self.rules.severity_overrides
        severity = base
        suggestion = hit.suggestion
        if suggestion and self._quotes_flagged(rule.id, suggestion):
            suggestion = None  # the rule's generic suggestion says it without those words
        if suggestion:
            suggestion = _with_placeholders(suggestion, placeholders)
        if hit.level == "escalated":
            severity = rule.severity_when.escalated.get(kind, base)
        elif hit.level == "downgraded":
            severity = rule.severity_when.downgraded.get(kind, base)
        return Finding(
            rule=rule.id,
            severity=overrides.get(rule.id, severity),
            dimension=rule.dimension,
            message=rule.message.strip(),
            suggestion=self._shown_suggestion(rule, suggestion, flagged),
            span=lines.span(start, end),
            text=lines.text[start:end],
            scope="message" if hit.message_level else "span",
        )

    def _shown_suggestion(self, rule: RuleSpec, suggestion: str | None, flagged: str) -> str:
        """The computed suggestion, else the rule's generic one with the flagged words."""
        if not suggestion and rule.id in self._generic:
            return self._generic[rule.id]
        return _one_line((suggestion or rule.suggestion).replace("{flagged}", flagged))

    def _quotes_flagged(self, rule_id: str, suggestion: str) -> bool:
        """Does a quote in the suggestion hold words another rule's patterns flag?"""
        key = (rule_id, suggestion)
        found = self._flagged.get(key)
        if found is None:
            if len(self._flagged) >= _MAX_FLAGGED:
                self._flagged.clear()
            quotes = _QUOTED.findall(suggestion)
            found = self._flagged[key] = any(
                p.search(quote) for other, p, prefilter in self._flag_patterns
                if other != rule_id for quote in quotes
                if prefilter is None or not prefilter.rules_out(quote))
        return found


_QUOTED = re.compile(r'"([^"]+)"')
# Suggestions remembered by ``_quotes_flagged``, at most (a long-running server's memory).
_MAX_FLAGGED = 4096


def _placeholders(layer: Layer, source: str) -> dict[str, str | None]:
    """Each stand-in the template reader put in the text ("Northwind") → the placeholder
    as the template writes it ("{{ account_name }}"); ``None`` when two placeholders got
    the same stand-in, so which one a rewrite quotes is unknown."""
    found: dict[str, str | None] = {}
    for a, b in layer.offsets.masked(0, len(layer.text)):
        stand_in = layer.text[a:b].strip()
        if not stand_in or not any(ch.isalnum() for ch in stand_in):
            continue
        original = " ".join(source[slice(*layer.offsets.span(a, b))].split())
        if stand_in in found and found[stand_in] != original:
            found[stand_in] = None
        else:
            found[stand_in] = original
    return found


def _with_placeholders(suggestion: str, placeholders: dict[str, str | None]) -> str | None:
    """A rewrite built from the parsed text quotes the template's placeholders, never the
    stand-ins the parser saw; ``None`` (the generic suggestion) when that is unsure."""
    for stand_in, original in sorted(placeholders.items(), key=lambda kv: -len(kv[0])):
        pattern = re.compile(rf"(?<!\w){re.escape(stand_in)}(?!\w)")
        if pattern.search(suggestion):
            if original is None:
                return None
            suggestion = pattern.sub(original.replace("\\", "\\\\"), suggestion)
    return suggestion


def one_finding_per_phrase(findings: list[Finding],
                            yields_to: dict[str, set[str]]) -> list[Finding]:
    """Without the findings of a rule that yields to another rule firing inside its span
    (``yields_to`` in the rule's file): "sorry for any inconvenience" is the euphemism's
    finding, not also an apology for an event."""
    # For each rule yielded to: its findings' starts in order, and from each one on, the
    # smallest end. Some finding of it starts at or after ``start`` and ends by ``end``
    # when the smallest end from the first one starting at or after ``start`` is <= end.
    # (Comparing each finding with every other was quadratic.)
    spans: dict[str, list[tuple[int, int]]] = {rule: [] for rule in
                                                set().union(*yields_to.values())}
    for g in findings:
        if g.rule in spans:
            spans[g.rule].append((g.span.start, g.span.end))
    index: dict[str, tuple[list[int], list[int]]] = {}
    for rule, found in spans.items():
        found.sort()
        ends = list(itertools.accumulate(reversed([e for _, e in found]), min))[::-1]
        index[rule] = ([s for s, _ in found], ends)

    def covered(f: Finding) -> bool:
        for rule in yields_to.get(f.rule, ()):
            starts, ends = index[rule]
            i = bisect.bisect_left(starts, f.span.start)
            if i < len(starts) and ends[i] <= f.span.end:
                return True
        return False

    return [f for f in findings if f.scope == "message" or not covered(f)]


_SPACE_BEFORE_STOP = re.compile(r"\s+([.,;:!?])")
_REPEATED_STOP = re.compile(r"([.!?])(?:\s+\.)+")


def _one_line(suggestion: str) -> str:
    """A suggestion is one line to paste: the writer's words may be wrapped ("during
    the⏎migration") or cut by template tags ("some data . ⏎⏎ ."), and a rule's generic
    suggestion may quote them as "{flagged}"."""
    text = _REPEATED_STOP.sub(r"\1", " ".join(suggestion.split()))
    return _SPACE_BEFORE_STOP.sub(r"\1", text)


class _Disjoint:
    """A rule's kept spans ``[start, end)``: a span is added only if it ``overlaps`` none.

    Kept in order of (start, end). Since no two overlap, their ends are in order too; so
    of the spans starting before ``end``, the last one reaches furthest, and a bisection
    tells whether any reaches past ``start``. (Comparing with every span was quadratic in
    a text with a finding in every sentence.)"""

    def __init__(self) -> None:
        self.spans: list[tuple[int, int]] = []

    def overlaps(self, start: int, end: int) -> bool:
        """Does ``[start, end)`` overlap a kept span, or is it one (an empty span)?"""
        i = bisect.bisect_left(self.spans, end, key=lambda s: s[0])  # starting before end
        if i and self.spans[i - 1][1] > start:
            return True
        j = bisect.bisect_left(self.spans, (start, end))
        return j < len(self.spans) and self.spans[j] == (start, end)

    def add(self, start: int, end: int) -> None:
        bisect.insort(self.spans, (start, end))


def _first_written_line(layer: Layer) -> tuple[int, int] | None:
    """Where a message-level finding points when the first line is all placeholders:
    the first line with words the writer wrote."""
    offset = 0
    for line in layer.text.splitlines(keepends=True):
        clipped = clip(layer.text, layer.offsets, offset, offset + len(line.rstrip()))
        if clipped is not None and any(ch.isalnum() for ch in layer.text[slice(*clipped)]):
            return clipped
        offset += len(line)
    return None


def evidence(layer: Layer, lines: LineIndex, start: int, end: int) -> Evidence:
    # Evidence avoids placeholders too, unless the placeholder is all there is
    # ("write to {{ support_email }}": the address is the contact).
    clipped = clip(layer.text, layer.offsets, start, end) or (start, end)
    return lines.evidence(*layer.offsets.span(*clipped))
