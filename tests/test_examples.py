"""The example templates in examples/, linted as the command line reads them: the
deliberate flaws are reported at their place in the file, and what is not the writer's
prose (template logic, scripts, code blocks, quoted replies) is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from apology_lint import Linter, Report
from apology_lint.readers import read_document, syntax_for
from apology_lint.sources import read_source

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def lint(linter: Linter, name: str) -> tuple[Report, str]:
    path = str(EXAMPLES / name)
    syntax = syntax_for(path)
    source = read_source(path, latin1_fallback=syntax == "eml").text
    return linter.lint_document(read_document(source, syntax, path), path=path), source


def line_of(source: str, phrase: str) -> int:
    return source.count("\n", 0, source.index(phrase)) + 1


def at(report: Report, rule: str) -> list[tuple[int, str]]:
    return [(f.span.line, f.text) for f in report.findings if f.rule == rule]


def outside(report: Report, source: str, start: str, end: str) -> bool:
    """No finding starts between the two markers."""
    a, b = source.index(start), source.index(end, source.index(start))
    return not [f for f in report.findings if a <= f.span.start < b]


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.iterdir()
                                        if p.name != "README.md"))
def test_every_example_reads_cleanly(linter: Linter, name: str) -> None:
    report, source = lint(linter, name)
    assert report.syntax == syntax_for(name)
    assert "template-syntax" not in {f.rule for f in report.findings}
    assert "unused-suppression" not in {f.rule for f in report.findings}
    for f in report.findings:
        assert source[f.span.start:f.span.end] == f.text
        assert "{{" not in f.text and "{%" not in f.text


def test_jinja_status_update(linter: Linter) -> None:
    report, _ = lint(linter, "status-update.txt.j2")
    # {# apology-lint: kind=update #} on the first line
    assert (report.kind, report.kind_source) == ("update", "file")
    assert report.variants == 2  # {% if workaround %} … {% else %}
    assert report.suppressed == 1  # "shortly", under disable-next-line
    assert "vague-timeline" not in {f.rule for f in report.findings}
    assert report.elements.next_update, "{{ next_update_at }} reads as a time"


def test_handlebars_apology_email(linter: Linter) -> None:
    report, source = lint(linter, "apology-email.html.hbs")
    assert "remedy" in report.elements.conditional  # the refund is only in {{#if}}
    assert at(report, "no-remedy")
    assert (line_of(source, "any inconvenience"), "any inconvenience") in \
        at(report, "inconvenience-euphemism")
    assert report.suppressed >= 1  # the jargon between disable=jargon and enable=jargon
    assert outside(report, source, "<style", "</style>")


def test_html_status_notice(linter: Linter) -> None:
    report, source = lint(linter, "status-notice.html")
    assert at(report, "no-next-update-time")
    assert outside(report, source, "<script", "</script>")
    assert outside(report, source, "<head", "</head>")


def test_eml_resolution(linter: Linter) -> None:
    report, source = lint(linter, "resolution.eml")
    assert (line_of(source, "an incorrect configuration"),
            "an incorrect configuration was applied") in at(report, "agentless-fault")
    assert outside(report, source, "wrote:", "Content-Type: text/html")  # the quoted reply
    signature = source.index("--=20")
    assert any(e.start > signature for e in report.elements.contact)


def test_liquid_weekly_credit(linter: Linter) -> None:
    report, source = lint(linter, "weekly-credit.liquid")
    assert report.variants == 3  # if / elsif / else
    assert (line_of(source, "minor hiccup"), "minor hiccup") in at(report, "minimizer")
    # Only the {% else %} branch thanks for patience instead of offering a remedy.
    assert (line_of(source, "Thank you for your patience"), "Thank you for your patience") in \
        at(report, "boilerplate-empathy")


def test_mustache_outage_apology(linter: Linter) -> None:
    report, source = lint(linter, "outage-apology.mustache")
    assert (line_of(source, "We regret"), "We regret") in at(report, "regret-not-sorry")


def test_markdown_draft(linter: Linter) -> None:
    report, source = lint(linter, "draft-apology.md")
    assert (report.kind, report.kind_source) == ("apology", "file")  # front matter
    assert outside(report, source, "```", "The `ERR_TIMEOUT`")  # the log excerpt
    assert report.elements.remedy and report.elements.contact
