"""The linter: parse once, annotate once, run every enabled rule, score, report.

A finding travels reader (``readers``) → parse (here) → facts (``annotate``) → detectors
and placing (``placing``) → suppression (``suppressions``) → score (``scoring``) → the
versions of a template merged (``readers.merge``) → report. The rules are loaded once,
as a ``RuleSet``."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy

from .annotate import Analysis, annotate, normalize
from .elements import element_marks
from .kind import detect_kind
from .models import (
    KINDS,
    Band,
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
from .parts import Use
from .placing import Placer, evidence, one_finding_per_phrase
from .positions import LineIndex
from .readability import readability
from .readers import Document, Syntax, plain_document, read_document
from .readers.merge import merge_elements, merge_findings
from .readers.template import Variant
from .ruleset import RuleSet
from .rulespec import RuleSpec
from .scoring import dimension_scores, overall, present_credits, score_gains
from .suppressions import Directives, SuppressionIndex, scan

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
        self.ruleset = RuleSet(rules_dir, select, ignore, extend_lexicons, rule_packs, severity,
                               parts_use)
        self.nlp = load_pipeline(pipeline)
        self.placer = Placer(self.ruleset, self.ruleset.detectors(self.nlp.vocab))

    # The rule set's, for callers that ask the linter.
    @property
    def rules(self) -> list[RuleSpec]:
        return self.ruleset.rules

    @property
    def known_rules(self) -> set[str]:
        return self.ruleset.known_rules

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
        """A file's report: read → parse (done) → facts → detectors → place → suppress →
        score, for each version of the message, then the versions merged."""
        if kind is not None and kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        rs = self.ruleset
        directives = (Directives() if doc.raw else
                      scan(doc.source, doc.syntax, doc.markup, rs.known_rules))
        file_meta = {k: v for k, v in doc.settings.items() if k != "kind"}
        if file_meta:
            meta = (meta or MessageMeta()).model_copy(update=file_meta)
        analyses = [annotate(v.layer.text, d, rs.lexicons, meta, rs.parts, rs.parts_use)
                    for v, d in zip(doc.variants, parsed, strict=True)]
        file_kind: Kind | None = doc.settings.get("kind") or directives.kind
        resolved: Kind = file_kind or kind or detect_kind(analyses[0], rs.lexicons)
        kind_source: KindSource = "file" if file_kind else "given" if kind else "detected"
        lines = LineIndex(doc.source)
        suppressions = SuppressionIndex(directives.suppressions)
        versions = [self._version(v, a, resolved, lines, suppressions)
                    for v, a in zip(doc.variants, analyses, strict=True)]
        worst = min(versions, key=lambda v: v.score)
        findings = (merge_findings([(v.variant, v.findings) for v in versions])
                    + self.placer.file_findings(doc, resolved, lines, directives,
                                                suppressions))
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
            elements=merge_elements([v.evidence for v in versions]),
            findings=findings,
            score_gains=worst.gains,
            readability=worst.readability,
            suppressed=len(set().union(*(v.suppressed for v in versions))),
        )

    def _version(self, variant: Variant, a: Analysis, kind: Kind, lines: LineIndex,
                 suppressions: SuppressionIndex) -> _Version:
        """Lint one version of the message; spans are placed in the source file."""
        rs, layer = self.ruleset, variant.layer
        shown, hidden = suppressions.apply(self.placer.place(layer, a, kind, lines))
        findings = one_finding_per_phrase(shown, rs.yields_to)
        present = present_credits(a, rs.parts)
        dims = dimension_scores(rs.scoring, kind, present, findings)
        score, band = overall(rs.scoring, kind, dims, findings)
        gains = score_gains(rs.scoring, kind, present, findings, rs.missing_rules)
        found = {name: [evidence(layer, lines, m.start, m.end) for m in marks]
                 for name, marks in element_marks(a).items()}
        return _Version(variant, findings, found, score, band, dims, gains,
                        readability(a.text, a.word_count, len(a.sentences())),
                        {(f.rule, f.span.start, f.span.end) for f in hidden})


@dataclass
class _Version:
    """One version's results, with spans already in source offsets."""

    variant: Variant
    findings: list[Finding]
    evidence: dict[str, list[Evidence]]
    score: int
    band: Band
    dimensions: dict[str, int]
    gains: list[ScoreGain]
    readability: Readability
    suppressed: set[tuple[str, int, int]]  # (rule, start, end) of findings hidden


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
