"""The linter: parse once, annotate once, run every enabled rule, score, report."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .annotate import Analysis, annotate, normalize
from .detectors import Detector, Hit, build_detectors
from .elements import elements
from .kind import detect_kind
from .lexicons import Lexicons
from .models import KINDS, Finding, Kind, MessageMeta, Report, Severity
from .nlp import DEFAULT_PIPELINE, MAX_CHUNK, load_pipeline
from .positions import LineIndex
from .readability import readability
from .resources import builtin_rules_dir
from .rulespec import SCORING_FILE, RuleSpec, ScoringSpec, load_rule_files, load_yaml_model
from .scoring import dimension_scores, overall


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
    ) -> None:
        """``extend_lexicons`` adds terms to lexicons by name, e.g. your own acronyms:
        ``{"acronym_allowlist": ["POS", "KDS"]}``."""
        folder = rules_dir or builtin_rules_dir()
        self.lexicons = Lexicons.from_folder(folder / "lexicons", extend_lexicons)
        all_rules = load_rule_files(folder)
        self.scoring = load_yaml_model(folder / SCORING_FILE, ScoringSpec)
        wanted = set(select) if select is not None else {r.id for r in all_rules}
        self.rules: list[RuleSpec] = [
            r for r in all_rules if r.id in wanted and r.id not in set(ignore)
        ]
        self.nlp = load_pipeline(pipeline)
        self._detectors: dict[str, list[Detector]] = {
            rule.id: build_detectors(rule, self.lexicons, self.nlp.vocab) for rule in self.rules
        }

    # --- public API ------------------------------------------------------------------

    def lint(self, text: str, kind: Kind | None = None, path: str | None = None,
             meta: MessageMeta | None = None) -> Report:
        return self._report(text, self._parse(text), kind, path, meta)

    def lint_many(self, texts: Iterable[str], kind: Kind | None = None) -> Iterator[Report]:
        """Lint many texts, batching the short ones through ``nlp.pipe``."""
        batch = list(texts)
        short = [normalize(t) for t in batch if len(t) <= MAX_CHUNK]
        parsed = iter(self.nlp.pipe(short, batch_size=64))
        for text in batch:
            doc = next(parsed) if len(text) <= MAX_CHUNK else self._parse(text)
            yield self._report(text, doc, kind, None, None)

    # --- internals -------------------------------------------------------------------

    def _parse(self, text: str) -> Any:
        from spacy.tokens import Doc

        pieces = _chunks(normalize(text))
        if len(pieces) == 1:
            return self.nlp(pieces[0])
        return Doc.from_docs(list(self.nlp.pipe(pieces)), ensure_whitespace=False)

    def _report(self, text: str, doc: Any, kind: Kind | None, path: str | None,
                meta: MessageMeta | None) -> Report:
        if kind is not None and kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        analysis = annotate(text, doc, self.lexicons, meta)
        kind_source = "given" if kind is not None else "detected"
        resolved: Kind = kind if kind is not None else detect_kind(analysis.text, self.lexicons)
        index = LineIndex(text)
        findings = self._findings(analysis, resolved, index, text)
        dims = dimension_scores(self.scoring, resolved, analysis, findings)
        score, band = overall(self.scoring, resolved, dims, findings)
        return Report(
            path=path,
            kind=resolved,
            kind_source=kind_source,
            score=score,
            band=band,
            dimensions=dims,
            elements=elements(analysis, index),
            findings=findings,
            readability=readability(text, analysis.word_count, len(analysis.sentences())),
        )

    def _findings(self, a: Analysis, kind: Kind, index: LineIndex, text: str) -> list[Finding]:
        findings: list[Finding] = []
        seen: set[tuple[str, int, int]] = set()
        for rule in self.rules:
            base = rule.severity.get(kind)
            if base is None:
                continue
            for detector in self._detectors[rule.id]:
                for hit in detector.run(a, kind):
                    key = (rule.id, hit.start, hit.end)
                    if key in seen:
                        continue
                    seen.add(key)
                    findings.append(self._finding(rule, kind, base, hit, index, text))
        findings.sort(key=lambda f: (f.span.start, f.span.end, f.rule))
        return findings

    @staticmethod
    def _finding(rule: RuleSpec, kind: Kind, base: Severity, hit: Hit, index: LineIndex,
                 text: str) -> Finding:
        severity = base
        if hit.level == "escalated":
            severity = rule.severity_when.escalated.get(kind, base)
        elif hit.level == "downgraded":
            severity = rule.severity_when.downgraded.get(kind, base)
        return Finding(
            rule=rule.id,
            severity=severity,
            dimension=rule.dimension,
            message=rule.message.strip(),
            # A rule's generic suggestion may quote the flagged words as "{flagged}".
            suggestion=(hit.suggestion or rule.suggestion).strip().replace(
                "{flagged}", text[hit.start:hit.end]),
            span=index.span(hit.start, hit.end),
            text=text[hit.start:hit.end],
        )


_DEFAULT: Linter | None = None


def default_linter() -> Linter:
    """The process-wide linter with the built-in rules and default pipeline."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Linter()
    return _DEFAULT


def lint(text: str, kind: Kind | None = None, meta: MessageMeta | None = None) -> Report:
    """Lint one message with the built-in rules."""
    return default_linter().lint(text, kind=kind, meta=meta)
