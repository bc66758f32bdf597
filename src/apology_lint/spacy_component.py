"""apology-lint as a spaCy pipeline component.

    nlp = spacy.load("en_core_web_sm")          # any English pipeline, even spacy.blank("en")
    nlp.add_pipe("apology_lint", config={"kind": "apology"})
    doc = nlp(draft)
    doc._.apology_report                        # the same Report the linter returns
    doc.spans["apology_lint"]                   # one span per located finding, labelled by rule
    displacy.render(doc, style="span", options=displacy_options(doc))

The factory is registered through the ``spacy_factories`` entry point, so installing
apology-lint is enough for ``add_pipe`` to find it. The component lints ``doc.text`` with
apology-lint's own parser (its rules are tuned to that pipeline's tags and parses), so it
works the same after any other components; the spans are aligned to the user's tokens,
which lets displaCy's span visualiser show the findings.

Only findings about words of the text (``scope == "span"``) become spans. A finding about
the whole message (``scope == "message"``: a remedy or a contact it lacks) has no words at
fault, so it stays in ``doc._.apology_report.findings`` only; as a span on the first line
it would make displaCy stack every missing part over the greeting.
"""

from __future__ import annotations

from typing import Any

from .engine import Linter
from .models import SEVERITY_RANK, Kind, Severity
from .nlp import DEFAULT_PIPELINE

SPANS_KEY = "apology_lint"

# displaCy's span labels are black text on the colour, so light tints; the same hues as
# the HTML report (red errors, amber warnings, blue info). The label names the rule, so
# the colour is never the only sign of what a span is.
SEVERITY_COLOURS: dict[Severity, str] = {
    "error": "#f4a3ad", "warning": "#fbd38d", "info": "#a9d4ef",
}


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
            if finding.scope != "span":
                continue
            span = doc.char_span(finding.span.start, finding.span.end, label=finding.rule,
                                 alignment_mode="expand")
            if span is not None:
                spans.append(span)
        doc.spans[self.spans_key] = spans
        return doc


def displacy_options(doc: Any, spans_key: str = SPANS_KEY) -> dict[str, Any]:
    """Options for ``displacy.render(doc, style="span", options=...)``: the spans key and
    a colour per rule, after the severity of its findings in this doc (the worst, when a
    rule has findings of two severities). ``spans_key`` is the component's ``spans_key``."""
    report = doc._.apology_report if doc.has_extension("apology_report") else None
    if report is None:
        raise ValueError("displacy_options: this doc has not been through the apology_lint "
                         "component (doc._.apology_report is not set)")
    worst: dict[str, Severity] = {}
    for finding in report.findings:
        if finding.scope != "span":
            continue
        seen = worst.get(finding.rule)
        if seen is None or SEVERITY_RANK[finding.severity] > SEVERITY_RANK[seen]:
            worst[finding.rule] = finding.severity
    return {"spans_key": spans_key,
            "colors": {rule: SEVERITY_COLOURS[severity] for rule, severity in worst.items()}}


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
