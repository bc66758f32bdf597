"""The linter: parse once, annotate once, run every enabled rule, score, report."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy

from .annotate import Analysis, annotate, normalize
from .detectors import Detector, Hit, build_detectors
from .elements import element_marks
from .errors import RuleError
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
from .rulespec import SCORING_FILE, RuleSpec, ScoringSpec, load_rule_files, load_yaml_model
from .scoring import check_credits, dimension_scores, overall
from .suppressions import ALL, Directives, scan

# Rules about the file rather than the message; the engine reports them itself.
TEMPLATE_SYNTAX = "template-syntax"
UNUSED_SUPPRESSION = "unused-suppression"


def _chunks(text: str, limit: int = MAX_CHUNK) -> list[str]:
    """Split a long text at paragraph (else line, else space) boundaries.

    The pieces concatenate back to exactly ``text``, so offsets are unchanged.
    """
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        cut = cut + 1 if cut > 0 else limit
        pieces.append(rest[:cut])
        rest = rest[cut:]
    pieces.append(rest)
    return pieces


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
        builtin = {r.id for r in all_rules}
        for pack in rule_packs:
            if not pack.is_dir():
                raise RuleError(f"{pack}: rule pack folder not found")
            for rule in load_rule_files(pack):
                if rule.id in builtin:
                    raise RuleError(f"{pack / (rule.id + '.yaml')}: id: '{rule.id}' is a "
                                    "built-in rule; give your rule its own id")
                all_rules.append(rule)
        self.severity_overrides = dict(severity or {})
        self.scoring = load_yaml_model(folder / SCORING_FILE, ScoringSpec)
        self.parts = load_parts(folder)
        check_lexicons(self.parts, set(self.lexicons.names()))
        check_rule_facts(all_rules, self.parts)
        check_credits(self.scoring, self.parts)
        self.parts_use = parts_use
        self.known_rules = {r.id for r in all_rules}
        wanted = set(select) if select is not None else self.known_rules
        self.rules: list[RuleSpec] = [
            r for r in all_rules if r.id in wanted and r.id not in set(ignore)
        ]
        self.nlp = load_pipeline(pipeline)
        self._detectors: dict[str, list[Detector]] = {
            rule.id: build_detectors(rule, self.lexicons, self.nlp.vocab) for rule in self.rules
        }

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
        texts = [normalize(v.layer.text) for doc, _, _ in jobs for v in doc.variants]
        short = iter(self.nlp.pipe([t for t in texts if len(t) <= MAX_CHUNK]))
        parsed = iter([next(short) if len(t) <= MAX_CHUNK else self._parse(t) for t in texts])
        for doc, kind, path in jobs:
            docs = [next(parsed) for _ in doc.variants]
            yield self._report(doc, docs, kind, path, meta)

    # --- internals -------------------------------------------------------------------

    def _parse(self, text: str) -> Any:
        from .parts_model import join_docs  # spaCy: imported on first use, not at start-up

        pieces = _chunks(normalize(text))
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
        placed = [self._variant(v, a, resolved, lines, directives)
                  for v, a in zip(doc.variants, analyses, strict=True)]
        worst = min(placed, key=lambda p: p.score)
        findings = (_merge_findings(placed)
                    + self._tool_findings(doc, resolved, lines, directives))
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
            readability=worst.readability,
            suppressed=len(set().union(*(p.suppressed for p in placed))),
        )

    def _variant(self, variant: Variant, a: Analysis, kind: Kind, lines: LineIndex,
                 directives: Directives) -> _Placed:
        """Lint one version of the message; spans are placed in the source file."""
        layer = variant.layer
        findings: list[Finding] = []
        suppressed: set[tuple[str, int, int]] = set()
        message_level: set[str] = set()
        for rule in self.rules:
            base = rule.severity.get(kind)
            if base is None:
                continue
            kept: list[tuple[int, int]] = []
            for detector in self._detectors[rule.id]:
                for hit in detector.run(a, kind):
                    clipped = clip(layer.text, layer.offsets, hit.start, hit.end)
                    if clipped is None and hit.message_level:
                        clipped = _first_written_line(layer)
                    if clipped is None:
                        continue  # only placeholders: nothing the writer wrote
                    start, end = layer.offsets.span(*clipped)
                    # One finding per phrase: a rule's detectors may find overlapping
                    # spans ("due to our upstream provider" and "upstream provider").
                    if _overlaps(kept, start, end) or _in_any(start, layer.quiet):
                        continue
                    kept.append((start, end))
                    if _suppress(directives, rule.id, start):
                        suppressed.add((rule.id, start, end))
                        continue
                    flagged = layer.text[clipped[0]:clipped[1]]
                    if hit.message_level:
                        message_level.add(rule.id)
                    findings.append(self._finding(rule, kind, base, hit, lines, start, end,
                                                  flagged))
        dims = dimension_scores(self.scoring, kind, a, findings, self.parts)
        score, band = overall(self.scoring, kind, dims, findings)
        evidence = {name: [_evidence(layer, lines, m.start, m.end) for m in marks]
                    for name, marks in element_marks(a).items()}
        return _Placed(variant, findings, message_level, evidence, score, band, dims,
                       readability(a.text, a.word_count, len(a.sentences())), suppressed)

    def _tool_findings(self, doc: Document, kind: Kind, lines: LineIndex,
                       directives: Directives) -> list[Finding]:
        """Findings about the file rather than the message: broken syntax, suppressions
        that do nothing."""
        found: list[Finding] = []
        by_id = {r.id: r for r in self.rules}
        if TEMPLATE_SYNTAX in by_id:
            for p in doc.problems:
                if not _suppress(directives, TEMPLATE_SYNTAX, p.start):
                    found.append(self._tool_finding(by_id[TEMPLATE_SYNTAX], kind, lines,
                                                    p.start, max(p.end, p.start + 1),
                                                    p.message))
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
            if not any(s.covers(UNUSED_SUPPRESSION, start) and UNUSED_SUPPRESSION in s.rules
                       for s in directives.suppressions):
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
                 start: int, end: int, flagged: str) -> Finding:
        overrides = self.severity_overrides
        severity = base
        if hit.level == "escalated":
            severity = rule.severity_when.escalated.get(kind, base)
        elif hit.level == "downgraded":
            severity = rule.severity_when.downgraded.get(kind, base)
        return Finding(
            rule=rule.id,
            severity=overrides.get(rule.id, severity),
            dimension=rule.dimension,
            message=rule.message.strip(),
            # A rule's generic suggestion may quote the flagged words as "{flagged}".
            suggestion=(hit.suggestion or rule.suggestion).strip().replace("{flagged}", flagged),
            span=lines.span(start, end),
            text=lines.text[start:end],
        )


@dataclass
class _Placed:
    """One variant's results, with spans already in source offsets."""

    variant: Variant
    findings: list[Finding]
    message_level: set[str]  # rules that found something missing from the whole message
    evidence: dict[str, list[Evidence]]
    score: int
    band: Band
    dimensions: dict[str, int]
    readability: Readability
    suppressed: set[tuple[str, int, int]]  # (rule, start, end) of findings hidden


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any((s < end and start < e) or (s, e) == (start, end) for s, e in spans)


def _in_any(offset: int, ranges: list[tuple[int, int]]) -> bool:
    return any(start <= offset < end for start, end in ranges)


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


def _suppress(directives: Directives, rule: str, offset: int) -> bool:
    hit = False
    for sup in directives.suppressions:
        if sup.covers(rule, offset):
            sup.used.add(rule)
            hit = True
    return hit


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
    covered = [p.variant.layer.offsets.covered() for p in placed]
    fired: dict[tuple[str, int, int], list[int]] = {}
    first: dict[tuple[str, int, int], Finding] = {}
    for i, p in enumerate(placed):
        for f in p.findings:
            key = (f.rule, -1, -1) if f.rule in p.message_level else \
                (f.rule, f.span.start, f.span.end)
            fired.setdefault(key, []).append(i)
            first.setdefault(key, f)
    merged = []
    for key, finding in first.items():
        containing = (range(len(placed)) if key[1] == -1 else
                      [i for i, ranges in enumerate(covered) if _in_any(key[1], ranges)])
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
