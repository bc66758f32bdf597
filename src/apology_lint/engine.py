"""The linter: parse once, annotate once, run every enabled rule, score, report."""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy

from .annotate import Analysis, annotate, normalize
from .config import check_linter_arguments
from .detectors import Detector, Hit, build_detectors
from .detectors.lexical import Lexical
from .elements import element_marks
from .errors import RuleError, suggest
from .kind import detect_kind
from .lexicons import Lexicons
from .models import (
    ELEMENT_NAMES,
    KINDS,
    Band,
    ElementName,
    Elements,
    Evidence,
    Finding,
    Kind,
    KindSource,
    MessageMeta,
    Readability,
    Report,
    ScoreGain,
    Severity,
)
from .nlp import DEFAULT_PIPELINE, MAX_CHUNK, load_pipeline
from .parts import Use, check_lexicons, check_rule_facts, load_parts
from .positions import LineIndex
from .readability import readability
from .readers import Document, Syntax, plain_document, read_document
from .readers.layer import Layer
from .readers.offsets import clip
from .readers.template import Variant
from .resources import builtin_rules_dir
from .rulespec import (
    SCORING_FILE,
    PresenceDetector,
    RuleSpec,
    ScoringSpec,
    load_rule_files,
    load_rule_packs,
    load_yaml_model,
)
from .scoring import (
    check_credits,
    dimension_scores,
    overall,
    present_credits,
    score_gains,
)
from .suppressions import ALL, Directives, Suppression, scan

# Rules about the file rather than the message; the engine reports them itself.
TEMPLATE_SYNTAX = "template-syntax"
UNUSED_SUPPRESSION = "unused-suppression"


# A token longer than this reaches the parser cut short, the rest of it blanked: spaCy
# strips punctuation from a token's ends one character at a time, searching the whole
# token each time, so one 50 KB run of commas took minutes.
MAX_TOKEN = 200
# A stretch with no sentence end longer than this is parsed in pieces of at most this
# size: the parser would make it one sentence, and the work on a sentence (the
# DependencyMatcher's tree walks, the negation checks) grows with its square.
MAX_RUN = 5_000
# A piece holds at most this many sentence ends: what 100 KB of ordinary prose holds. It
# was set when the parts model copied the whole piece for each sentence (it reads each
# piece once now); it stays because where pieces are cut decides which sentences the
# parser sees together, and so the findings on very long texts.
MAX_SENTENCES = 1_000
_LONG_TOKEN = re.compile(rf"(?<!\S)\S{{{MAX_TOKEN + 1},}}")
_SENTENCE_END = re.compile(r"[.!?]\s|\n[^\S\n]*\n")


def _capped(text: str) -> str:
    """``text`` with each token longer than MAX_TOKEN blanked after its first MAX_TOKEN
    characters: the same length, so every offset stays where it was."""
    return _LONG_TOKEN.sub(
        lambda m: m.group(0)[:MAX_TOKEN] + " " * (m.end() - m.start() - MAX_TOKEN), text)


def _chunks(text: str, limit: int = MAX_CHUNK, run: int = MAX_RUN,
            sentences: int = MAX_SENTENCES) -> list[str]:
    """Split a text for the parser: into pieces of at most ``limit`` characters at
    paragraph (else line, else space) boundaries, then each so that no piece has a
    stretch of more than ``run`` characters without a sentence end, or more than
    ``sentences`` sentence ends; long tokens are capped (``_capped``).

    The pieces concatenate to a text of exactly ``text``'s length, so offsets are unchanged.
    """
    text = _capped(text)
    pieces: list[str] = []
    start = 0
    while len(text) - start > limit:
        cut = max(text.rfind("\n", start, start + limit), text.rfind(" ", start, start + limit))
        cut = cut + 1 if cut > start else start + limit
        pieces += _sentence_bounds(text[start:cut], run, sentences)
        start = cut
    return pieces + _sentence_bounds(text[start:], run, sentences)


def _sentence_bounds(piece: str, run: int, sentences: int) -> list[str]:
    """``piece`` cut after every ``sentences`` sentence ends, and wherever ``run``
    characters pass without one (at the last line break, else space, before that)."""
    parts: list[str] = []
    start = stretch = 0  # where the current part and the current stretch begin
    count = 0  # sentence ends in the current part
    for end in [m.end() for m in _SENTENCE_END.finditer(piece)] + [len(piece)]:
        while end - stretch > run:
            limit = stretch + run
            cut = piece.rfind("\n", stretch + 1, limit)
            cut = cut if cut != -1 else piece.rfind(" ", stretch + 1, limit)
            cut = cut + 1 if cut != -1 else limit
            parts.append(piece[start:cut])
            start = stretch = cut
            count = 0
        stretch = end
        count += 1
        if count == sentences and end < len(piece):
            parts.append(piece[start:end])
            start, count = end, 0
    parts.append(piece[start:])
    return parts


class Linter:
    """Holds the loaded pipeline and the compiled rules; lint as many texts as you like."""

    def __init__(
        self,
        pipeline: str = DEFAULT_PIPELINE,
        rules_dir: Path | None = None,
        select: Iterable[str] | None = None,
        ignore: Iterable[str] = (),
        extend_lexicons: dict[str, list[str]] | None = None,
        rule_packs: Iterable[Path] = (),
        severity: dict[str, Severity] | None = None,
        parts_use: Use | None = None,
    ) -> None:
        """``extend_lexicons`` adds terms to lexicons by name, e.g. your own acronyms:
        ``{"acronym_allowlist": ["POS", "KDS"]}``. ``rule_packs`` are folders of extra
        rules in the built-in format; ``severity`` overrides a rule's severity for every
        kind it is on. ``parts_use`` makes every part come from the rules, the model or
        either (default: each part's own choice in ``rules/parts/``)."""
        folder = rules_dir or builtin_rules_dir()
        rule_packs = list(rule_packs)
        # Patterns from a rule pack are the user's: they run under a time limit.
        self.lexicons = Lexicons.from_folder(folder / "lexicons", extend_lexicons,
                                             guarded=bool(rule_packs))
        all_rules = load_rule_files(folder)
        all_rules += [rule for rule, _ in
                      load_rule_packs(rule_packs, {r.id for r in all_rules})]
        self.severity_overrides = dict(severity or {})
        self.scoring = load_yaml_model(folder / SCORING_FILE, ScoringSpec)
        self.parts = load_parts(folder)
        check_lexicons(self.parts, set(self.lexicons.names()))
        check_rule_facts(all_rules, self.parts)
        check_credits(self.scoring, self.parts)
        self.parts_use = parts_use
        self.known_rules = {r.id for r in all_rules}
        select = None if select is None else list(select)
        ignore = list(ignore)
        check_linter_arguments(self.known_rules, select, ignore, self.severity_overrides)
        wanted = set(select) if select is not None else self.known_rules
        self.rules: list[RuleSpec] = [
            r for r in all_rules if r.id in wanted and r.id not in set(ignore)
        ]
        # Adding a part also clears the rules that fire when it is missing.
        self.missing_rules: dict[str, set[str]] = {}
        for rule in self.rules:
            for d in rule.detectors:
                if isinstance(d, PresenceDetector):
                    self.missing_rules.setdefault(d.fact, set()).add(rule.id)
        for rule in all_rules:
            for other in rule.yields_to:
                if other not in self.known_rules:
                    raise RuleError(f"{rule.id}: yields_to: unknown rule id '{other}'"
                                    f"{suggest(other, self.known_rules)}")
        self._yields_to = {r.id: set(r.yields_to) for r in self.rules if r.yields_to}
        self.nlp = load_pipeline(pipeline)
        self._detectors: dict[str, list[Detector]] = {
            rule.id: build_detectors(rule, self.lexicons, self.nlp.vocab) for rule in self.rules
        }
        # The word patterns of every rule, to keep a computed suggestion from proposing
        # words another rule flags ("for the inconvenience").
        self._flag_patterns = [(rule_id, pattern) for rule_id, detectors in
                               self._detectors.items() for d in detectors
                               if isinstance(d, Lexical) for pattern in d.patterns]

    # --- public API ------------------------------------------------------------------

    def lint(self, text: str, kind: Kind | None = None, path: str | None = None,
             meta: MessageMeta | None = None, syntax: Syntax | None = None) -> Report:
        """Lint ``text``. Without ``syntax`` it is linted exactly as given; with one
        (``"text"``, ``"html"``, ``"jinja"``…) it is read as a file of that syntax:
        markup and placeholders handled, suppression comments applied, spans in ``text``."""
        doc = plain_document(text) if syntax is None else read_document(text, syntax, path)
        return self.lint_document(doc, kind, path, meta)

    def lint_document(self, doc: Document, kind: Kind | None = None, path: str | None = None,
                      meta: MessageMeta | None = None) -> Report:
        return next(self._lint_batch([(doc, kind, path)], meta))

    def lint_many(self, texts: Iterable[str], kind: Kind | None = None) -> Iterator[Report]:
        """Lint many texts, batching them through ``nlp.pipe``."""
        return self.lint_documents((plain_document(t), kind, None) for t in texts)

    def lint_documents(self, jobs: Iterable[tuple[Document, Kind | None, str | None]],
                       meta: MessageMeta | None = None, batch: int = 64) -> Iterator[Report]:
        """Lint many documents (``(document, kind, path)``), parsing their texts in
        batches with ``nlp.pipe``; reports come back in the same order."""
        pending: list[tuple[Document, Kind | None, str | None]] = []
        for job in jobs:
            pending.append(job)
            if sum(len(d.variants) for d, _, _ in pending) >= batch:
                yield from self._lint_batch(pending, meta)
                pending = []
        yield from self._lint_batch(pending, meta)

    def _lint_batch(self, jobs: list[tuple[Document, Kind | None, str | None]],
                    meta: MessageMeta | None) -> Iterator[Report]:
        pieces = [_chunks(normalize(v.layer.text)) for doc, _, _ in jobs for v in doc.variants]
        short = iter(self.nlp.pipe([p[0] for p in pieces if len(p) == 1]))
        parsed = iter([next(short) if len(p) == 1 else self._parse(p) for p in pieces])
        for doc, kind, path in jobs:
            docs = [next(parsed) for _ in doc.variants]
            yield self._report(doc, docs, kind, path, meta)

    # --- internals -------------------------------------------------------------------

    def _parse(self, pieces: list[str]) -> Any:
        """One document from the pieces of a text (``_chunks``)."""
        from .parts_model import join_docs  # spaCy: imported on first use, not at start-up

        if len(pieces) == 1:
            return self.nlp(pieces[0])
        docs = []
        for doc in self.nlp.pipe(pieces, batch_size=1):
            # The rules read tags and parses, never the vectors behind them: dropping
            # them keeps a long text's memory to its tokens.
            doc.tensor = numpy.zeros((0,), dtype="float32")
            docs.append(doc)
        return join_docs(docs)

    def _report(self, doc: Document, parsed: list[Any], kind: Kind | None, path: str | None,
                meta: MessageMeta | None) -> Report:
        if kind is not None and kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        directives = (Directives() if doc.raw else
                      scan(doc.source, doc.syntax, doc.markup, self.known_rules))
        file_meta = {k: v for k, v in doc.settings.items() if k != "kind"}
        if file_meta:
            meta = (meta or MessageMeta()).model_copy(update=file_meta)
        analyses = [annotate(v.layer.text, d, self.lexicons, meta, self.parts, self.parts_use)
                    for v, d in zip(doc.variants, parsed, strict=True)]
        file_kind: Kind | None = doc.settings.get("kind") or directives.kind
        resolved: Kind = file_kind or kind or detect_kind(analyses[0], self.lexicons)
        kind_source: KindSource = "file" if file_kind else "given" if kind else "detected"
        lines = LineIndex(doc.source)
        suppressions = _Suppressions(directives.suppressions)
        placed = [self._variant(v, a, resolved, lines, suppressions)
                  for v, a in zip(doc.variants, analyses, strict=True)]
        worst = min(placed, key=lambda p: p.score)
        findings = (_merge_findings(placed)
                    + self._tool_findings(doc, resolved, lines, directives, suppressions))
        findings.sort(key=lambda f: (f.span.start, f.span.end, f.rule))
        return Report(
            path=path,
            syntax=doc.syntax,
            variants=len(doc.variants),
            kind=resolved,
            kind_source=kind_source,
            score=worst.score,
            band=worst.band,
            dimensions=worst.dimensions,
            elements=_merge_elements(placed),
            findings=findings,
            score_gains=worst.gains,
            readability=worst.readability,
            suppressed=len(set().union(*(p.suppressed for p in placed))),
        )

    def _variant(self, variant: Variant, a: Analysis, kind: Kind, lines: LineIndex,
                 suppressions: _Suppressions) -> _Placed:
        """Lint one version of the message; spans are placed in the source file."""
        layer = variant.layer
        findings: list[Finding] = []
        suppressed: set[tuple[str, int, int]] = set()
        sentence_starts = [s.start for s in a.sents]
        placeholders = _placeholders(layer, lines.text)
        quiet = _Ranges(layer.quiet)
        for rule in self.rules:
            base = rule.severity.get(kind)
            if base is None:
                continue
            kept = _Disjoint()
            sentences: set[int] = set()
            for detector in self._detectors[rule.id]:
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
                    if suppressions.hide(rule.id, start):
                        suppressed.add((rule.id, start, end))
                        continue
                    flagged = layer.text[clipped[0]:clipped[1]]
                    findings.append(self._finding(rule, kind, base, hit, lines, start, end,
                                                  flagged, placeholders))
        findings = _one_finding_per_phrase(findings, self._yields_to)
        present = present_credits(a, self.parts)
        dims = dimension_scores(self.scoring, kind, present, findings)
        score, band = overall(self.scoring, kind, dims, findings)
        gains = score_gains(self.scoring, kind, present, findings, self.missing_rules)
        evidence = {name: [_evidence(layer, lines, m.start, m.end) for m in marks]
                    for name, marks in element_marks(a).items()}
        return _Placed(variant, findings, evidence, score, band, dims, gains,
                       readability(a.text, a.word_count, len(a.sentences())), suppressed)

    def _tool_findings(self, doc: Document, kind: Kind, lines: LineIndex,
                       directives: Directives, suppressions: _Suppressions) -> list[Finding]:
        """Findings about the file rather than the message: broken syntax, suppressions
        that do nothing (``suppressions``: ``directives``' own, indexed)."""
        found: list[Finding] = []
        by_id = {r.id: r for r in self.rules}
        if TEMPLATE_SYNTAX in by_id:
            for p in doc.problems:
                if not suppressions.hide(TEMPLATE_SYNTAX, p.start):
                    found.append(self._tool_finding(by_id[TEMPLATE_SYNTAX], kind, lines,
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
                found.append(self._tool_finding(by_id[UNUSED_SUPPRESSION], kind, lines,
                                                start, end, message))
        return found

    def _tool_finding(self, rule: RuleSpec, kind: Kind, lines: LineIndex, start: int,
                      end: int, message: str) -> Finding:
        severity = self.severity_overrides.get(rule.id, rule.severity.get(kind, "error"))
        return Finding(rule=rule.id, severity=severity,
                       dimension=rule.dimension, message=message,
                       suggestion=rule.suggestion.strip(), span=lines.span(start, end),
                       text=lines.text[start:end])

    def _finding(self, rule: RuleSpec, kind: Kind, base: Severity, hit: Hit, lines: LineIndex,
                 start: int, end: int, flagged: str,
                 placeholders: dict[str, str | None]) -> Finding:
        overrides = self.severity_overrides
        severity = base
        suggestion = hit.suggestion
        if suggestion and any(p.search(quote) for other, p in self._flag_patterns
                              if other != rule.id for quote in _QUOTED.findall(suggestion)):
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
            suggestion=_one_line((suggestion or rule.suggestion).replace("{flagged}", flagged)),
            span=lines.span(start, end),
            text=lines.text[start:end],
            scope="message" if hit.message_level else "span",
        )


@dataclass
class _Placed:
    """One variant's results, with spans already in source offsets."""

    variant: Variant
    findings: list[Finding]
    evidence: dict[str, list[Evidence]]
    score: int
    band: Band
    dimensions: dict[str, int]
    gains: list[ScoreGain]
    readability: Readability
    suppressed: set[tuple[str, int, int]]  # (rule, start, end) of findings hidden


_QUOTED = re.compile(r'"([^"]+)"')


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


def _one_finding_per_phrase(findings: list[Finding],
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


class _Ranges:
    """Ranges ``[start, end)`` (any, overlapping or not) and whether one holds an offset,
    in O(log n): in order of start, those starting at or before the offset come first, and
    one of them holds it if the furthest end among them is past it."""

    def __init__(self, ranges: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(ranges)
        self.starts = [start for start, _ in ordered]
        self.reach = list(itertools.accumulate((end for _, end in ordered), max))

    def __contains__(self, offset: int) -> bool:
        i = bisect.bisect_right(self.starts, offset)
        return i > 0 and self.reach[i - 1] > offset


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


class _Suppressions:
    """A file's suppressions, indexed by the rule they name (``*``: all): whether one
    hides a finding is a bisection, where asking each suppression about each finding was
    quadratic (thousands of suppression comments took seconds).

    ``hide`` notes the findings it hid; ``mark_used`` then adds each such finding's rule to
    the ``used`` of every suppression that covers it (``Suppression.covers``), as asking
    each suppression did."""

    def __init__(self, suppressions: list[Suppression]) -> None:
        self.suppressions = suppressions
        ranges: dict[str, list[tuple[int, int]]] = {}
        for sup in suppressions:
            for rule in sup.rules:
                ranges.setdefault(rule, []).append((sup.start, sup.end))
        self._named = {rule: _Ranges(found) for rule, found in ranges.items()}
        self._hidden: dict[str, list[int]] = {}  # rule → offsets of the findings hidden

    def names(self, rule: str, offset: int) -> bool:
        """Does a suppression naming ``rule`` itself (``*`` for a bare one) cover ``offset``?"""
        ranges = self._named.get(rule)
        return ranges is not None and offset in ranges

    def hide(self, rule: str, offset: int) -> bool:
        """Is the finding of ``rule`` at ``offset`` suppressed?"""
        if self.names(rule, offset) or self.names(ALL, offset):
            self._hidden.setdefault(rule, []).append(offset)
            return True
        return False

    def mark_used(self) -> None:
        hidden = {rule: sorted(offsets) for rule, offsets in self._hidden.items()}
        for sup in self.suppressions:
            for rule in hidden if ALL in sup.rules else sup.rules & hidden.keys():
                offsets = hidden[rule]
                i = bisect.bisect_left(offsets, sup.start)
                if i < len(offsets) and offsets[i] < sup.end:
                    sup.used.add(rule)


def _evidence(layer: Layer, lines: LineIndex, start: int, end: int) -> Evidence:
    # Evidence avoids placeholders too, unless the placeholder is all there is
    # ("write to {{ support_email }}": the address is the contact).
    clipped = clip(layer.text, layer.offsets, start, end) or (start, end)
    return lines.evidence(*layer.offsets.span(*clipped))


def _merge_findings(placed: list[_Placed]) -> list[Finding]:
    """Every variant's findings, once each. A finding some versions of the message get
    and others (that contain the same words) don't says which branches it holds for.
    A message-level finding (something missing) is one finding whatever the version,
    at the place the first version that has it points to."""
    covered = [_Ranges(p.variant.layer.offsets.covered()) for p in placed]
    fired: dict[tuple[str, int, int], list[int]] = {}
    first: dict[tuple[str, int, int], Finding] = {}
    for i, p in enumerate(placed):
        for f in p.findings:
            key = (f.rule, -1, -1) if f.scope == "message" else \
                (f.rule, f.span.start, f.span.end)
            fired.setdefault(key, []).append(i)
            first.setdefault(key, f)
    merged = []
    for key, finding in first.items():
        containing = (range(len(placed)) if key[1] == -1 else
                      [i for i, ranges in enumerate(covered) if key[1] in ranges])
        variant = placed[fired[key][0]].variant
        if len(fired[key]) < len(containing) and variant.branches:
            note = (" This holds only for some recipients: those who get "
                    f"{'; '.join(variant.branches[:3])}.")
            finding = finding.model_copy(update={"message": finding.message + note})
        merged.append(finding)
    return merged


def _merge_elements(placed: list[_Placed]) -> Elements:
    merged: dict[str, list[Evidence]] = {}
    conditional: list[ElementName] = []
    for name in ELEMENT_NAMES:
        seen: dict[tuple[int, int], Evidence] = {}
        for p in placed:
            for e in p.evidence[name]:
                seen.setdefault((e.start, e.end), e)
        merged[name] = sorted(seen.values(), key=lambda e: (e.start, e.end))
        present = [bool(p.evidence[name]) for p in placed]
        if any(present) and not all(present):
            conditional.append(name)
    return Elements(**merged, conditional=conditional)


_DEFAULT: Linter | None = None


def default_linter() -> Linter:
    """The process-wide linter with the built-in rules and default pipeline."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Linter()
    return _DEFAULT


def lint(text: str, kind: Kind | None = None, meta: MessageMeta | None = None,
         syntax: Syntax | None = None) -> Report:
    """Lint one message with the built-in rules (``syntax``: see ``Linter.lint``)."""
    return default_linter().lint(text, kind=kind, meta=meta, syntax=syntax)
