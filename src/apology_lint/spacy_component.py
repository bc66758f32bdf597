"""apology-lint as a spaCy pipeline component.

    nlp = spacy.load("en_core_web_sm")          # any English pipeline, even spacy.blank("en")
    nlp.add_pipe("apology_lint", config={"kind": "apology"})
    doc = nlp(draft)
    doc._.apology_report                        # the same Report the linter returns
    doc.spans["apology_lint"]                   # one span per finding, labelled by rule

The factory is registered through the ``spacy_factories`` entry point, so installing
apology-lint is enough for ``add_pipe`` to find it. The component lints ``doc.text`` with
apology-lint's own parser (its rules are tuned to that pipeline's tags and parses), so it
works the same after any other components; the spans are aligned to the user's tokens,
which lets displaCy's span visualiser show the findings.
"""

from __future__ import annotations

from typing import Any

from .engine import Linter
from .models import Kind
from .nlp import DEFAULT_PIPELINE

SPANS_KEY = "apology_lint"


class ApologyLintComponent:
    def __init__(self, nlp: Any, name: str, kind: Kind | None, pipeline: str,
                 spans_key: str) -> None:
        from spacy.tokens import Doc

        if not Doc.has_extension("apology_report"):
            Doc.set_extension("apology_report", default=None)
        self.name = name
        self.kind = kind
        self.spans_key = spans_key
        self._pipeline = pipeline
        self._linter: Linter | None = None  # loaded on first use, not when the pipe is added

    @property
    def linter(self) -> Linter:
        if self._linter is None:
            self._linter = Linter(pipeline=self._pipeline)
        return self._linter

    def __call__(self, doc: Any) -> Any:
        report = self.linter.lint(doc.text, kind=self.kind)
        doc._.apology_report = report
        spans = []
        for finding in report.findings:
            span = doc.char_span(finding.span.start, finding.span.end, label=finding.rule,
                                 alignment_mode="expand")
            if span is not None:
                spans.append(span)
        doc.spans[self.spans_key] = spans
        return doc


def make_component(nlp: Any, name: str, kind: str | None, pipeline: str,
                   spans_key: str) -> ApologyLintComponent:
    if kind is not None and kind not in ("apology", "update", "resolution"):
        raise ValueError(f"apology_lint: kind must be apology, update or resolution, not {kind!r}")
    return ApologyLintComponent(nlp, name, kind, pipeline, spans_key)  # type: ignore[arg-type]


def _register() -> None:
    """Register the factory (spaCy calls this module through the entry point)."""
    from spacy.language import Language

    if "apology_lint" not in Language.factories:
        Language.factory("apology_lint", default_config={
            "kind": None, "pipeline": DEFAULT_PIPELINE, "spans_key": SPANS_KEY,
        })(make_component)


_register()
