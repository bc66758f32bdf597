"""Suppression comments in each syntax's own comment form, and honest reporting of the
ones that do nothing."""

from __future__ import annotations

import pytest

from apology_lint import Linter

SENTENCE = "We will update you soon."


def rules(linter: Linter, source: str, syntax: str) -> list[str]:
    report = linter.lint(source, kind="update", syntax=syntax)  # type: ignore[arg-type]
    return [f.rule for f in report.findings]


@pytest.mark.parametrize(("syntax", "comment"), [
    ("jinja", "{{# apology-lint: {0} #}}"),
    ("handlebars", "{{{{!-- apology-lint: {0} --}}}}"),
    ("handlebars", "{{{{! apology-lint: {0} }}}}"),
    ("mustache", "{{{{! apology-lint: {0} }}}}"),
    ("liquid", "{{% comment %}}apology-lint: {0}{{% endcomment %}}"),
    ("html", "<!-- apology-lint: {0} -->"),
    ("markdown", "<!-- apology-lint: {0} -->"),
    ("text", "apology-lint: {0}"),
    ("text", "# apology-lint: {0}"),
])
def test_disable_next_line_in_every_syntax(linter: Linter, syntax: str, comment: str) -> None:
    wrap = "<p>{}</p>" if syntax == "html" else "{}"
    plain = wrap.format(SENTENCE) + "\n"
    assert "vague-timeline" in rules(linter, plain, syntax)
    directive = comment.format('disable-next-line=vague-timeline reason="set at send"')
    suppressed = directive + "\n" + plain
    found = rules(linter, suppressed, syntax)
    assert "vague-timeline" not in found
    assert "unused-suppression" not in found


def test_disable_enable_range(linter: Linter) -> None:
    source = ("{# apology-lint: disable=vague-timeline #}\n"
              f"{SENTENCE}\n"
              "{# apology-lint: enable=vague-timeline #}\n"
              f"Also, {SENTENCE.lower()}\n")
    report = linter.lint(source, kind="update", syntax="jinja")
    lines = [f.span.line for f in report.findings if f.rule == "vague-timeline"]
    assert lines == [4]
    assert report.suppressed == 1


def test_disable_without_ids_hides_every_rule_until_enable(linter: Linter) -> None:
    source = ("<!-- apology-lint: disable -->\n<p>We apologize for any inconvenience. "
              f"{SENTENCE}</p>\n<!-- apology-lint: enable -->\n<p>Sorry if you were affected.</p>")
    report = linter.lint(source, kind="apology", syntax="html")
    assert not [f for f in report.findings if f.span.line == 2]
    assert "conditional-apology" in {f.rule for f in report.findings if f.span.line == 4}


def test_disable_file_and_disable_line(linter: Linter) -> None:
    file_level = f"{SENTENCE}\n{{# apology-lint: disable-file=vague-timeline #}}\n"
    assert "vague-timeline" not in rules(linter, file_level, "jinja")
    same_line = f"{SENTENCE} {{# apology-lint: disable-line=vague-timeline #}}\n"
    assert "vague-timeline" not in rules(linter, same_line, "jinja")


def test_a_suppression_only_hides_its_own_rule(linter: Linter) -> None:
    source = "{# apology-lint: disable-next-line=jargon #}\n" + SENTENCE + "\n"
    found = rules(linter, source, "jinja")
    assert "vague-timeline" in found
    assert "unused-suppression" in found  # jargon had nothing to hide there


def test_unused_and_unknown_suppressions_are_reported(linter: Linter) -> None:
    source = ("{# apology-lint: disable-next-line=vague-timelines #}\n"
              f"{SENTENCE}\n"
              "{# apology-lint: switch-off #}\n"
              "{# apology-lint: kind=updte #}\n")
    report = linter.lint(source, kind="update", syntax="jinja")
    unused = [f for f in report.findings if f.rule == "unused-suppression"]
    assert [f.span.line for f in unused] == [1, 3, 4]
    assert all(f.severity == "info" for f in unused)
    assert "did you mean 'vague-timeline'" in unused[0].message
    assert unused[0].text.startswith("{#") and unused[0].text.endswith("#}")
    assert "vague-timeline" in {f.rule for f in report.findings}


def test_unused_suppression_can_itself_be_silenced(linter: Linter) -> None:
    source = ("{# apology-lint: disable-file=unused-suppression #}\n"
              "{# apology-lint: disable-next-line=jargon #}\n"
              "We refunded your $40 charge on Monday.\n")
    assert "unused-suppression" not in rules(linter, source, "jinja")


def test_kind_from_a_template_comment_beats_the_command_line(linter: Linter) -> None:
    source = "{{! apology-lint: kind=resolution }}\nThe outage is resolved.\n"
    report = linter.lint(source, kind="update", syntax="handlebars")
    assert report.kind == "resolution" and report.kind_source == "file"


def test_library_lint_without_syntax_reads_no_directives(linter: Linter) -> None:
    source = f"apology-lint: disable-next-line=vague-timeline\n{SENTENCE}"
    assert "vague-timeline" in [f.rule for f in linter.lint(source, kind="update").findings]
