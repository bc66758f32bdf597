"""The fix library (``apology_lint.fixes``): rewrites turned into edits of the file, only
where that is certain to be right, and never inside a template tag or a placeholder."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from apology_lint import Linter
from apology_lint.fixes import (
    REWRITES,
    SourceGuard,
    TextEdit,
    apply_edits,
    edit_for_finding,
    edits,
    explain_edit,
    fix,
    safe_fix_rules,
    unified_diff,
)
from apology_lint.models import Report
from apology_lint.readers import Syntax, syntax_for

from .conftest import all_rules

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"
# What --fix applies: the rules whose rule file says ``fix: safe``.
SAFE = safe_fix_rules(all_rules())


def _bad_examples(rule_ids: set[str] | frozenset[str]) -> list[tuple[str, str]]:
    return [(rule.id, example) for rule in all_rules() if rule.id in rule_ids
            for example in rule.examples.bad]


def _rules(report: Report) -> list[str]:
    return sorted(f.rule for f in report.findings)


# Known: splitting "We're sorry for the delay, but the issue has now been resolved." leaves
# "The issue has now been resolved." on its own, and vague-incident (rightly) reports it:
# the old sentence hid a vague description the fix does not write but does expose.
@pytest.mark.parametrize(("rule", "example"), _bad_examples(SAFE))
def test_safe_rewrite_of_each_bad_example_removes_its_finding_and_adds_none(
        linter: Linter, rule: str, example: str) -> None:
    before = linter.lint(example, syntax="text")
    chosen, skipped = edits(example, "text", before, safe_rules=SAFE)
    mine = [e for e in chosen if e.rule == rule]
    assert mine, f"no safe edit for {rule}: {[s.reason for s in skipped]}"
    after_text = apply_edits(example, mine)
    # Linted again as the same kind: the fix is judged by the same rules.
    after = linter.lint(after_text, syntax="text", kind=before.kind)
    assert rule not in _rules(after)
    remaining = _rules(before)
    remaining.remove(rule)
    added = list(_rules(after))
    for r in remaining:
        if r in added:
            added.remove(r)
    assert added == [], f"{example!r} -> {after_text!r} adds {added}"


@pytest.mark.parametrize(("rule", "example"), _bad_examples(set(REWRITES)))
def test_every_rewrite_that_applies_removes_its_own_finding(linter: Linter, rule: str,
                                                            example: str) -> None:
    before = linter.lint(example, syntax="text")
    guard = SourceGuard(example, "text")
    mine = [e for f in before.findings if f.rule == rule
            if (e := edit_for_finding(example, f, guard, SAFE)) is not None]
    if not mine:
        pytest.skip(f"{rule} computes no rewrite for this example")
    after = linter.lint(apply_edits(example, mine), syntax="text", kind=before.kind)
    assert rule not in _rules(after)


@pytest.mark.parametrize("rule", sorted(REWRITES))
def test_each_rewrite_pattern_matches_what_its_detector_writes(linter: Linter,
                                                               rule: str) -> None:
    # The patterns read the detectors' wording: this fails when one drifts.
    text = {"apology-for-event-not-act":
            "Your data was deleted during the migration. We're sorry for the outage."}.get(
        rule, " ".join(example for r, example in _bad_examples({rule})))
    findings = [f for f in linter.lint(text, syntax="text").findings if f.rule == rule]
    assert any(REWRITES[rule].quote(f.suggestion) for f in findings), \
        [f.suggestion for f in findings]


def test_a_rule_says_whether_its_rewrite_is_safe_exactly_when_it_has_one() -> None:
    assert SAFE and set(REWRITES) >= SAFE
    assert {r.id for r in all_rules() if r.fix is not None} == set(REWRITES)


TEMPLATES: dict[Syntax, str] = {
    "jinja": """\
{# apology #}
<p>Hi {{ first_name }},</p>
{% if late %}<p>We're sorry for the delay, but the issue has now been resolved.</p>{% endif %}
<p>Sorry for the trouble, but {{ region }} customers were not affected.</p>
<p>We apologize if your service was impacted by this incident.</p>
<p>{{ count }} invoices were deleted during the migration.</p>
""",
    "handlebars": """\
{{!-- apology --}}
Hi {{first_name}},
{{#if late}}We apologize; however, our SLA only covers full outages.{{/if}}
We apologize, {{first_name}}, if you were affected.
Mistakes were made during the migration.
""",
    "liquid": """\
Hi {{ customer.first_name | capitalize }},
{% if late %}Sorry for the trouble, but most customers were not affected.{% endif %}
To the extent that you were affected, we apologize.
""",
    "mustache": """\
Hi {{name}},
{{#late}}We're sorry for the delay, but the issue has now been resolved.{{/late}}
{{^late}}Sorry to anyone who may have experienced issues.{{/late}}
""",
}


@pytest.mark.parametrize("syntax", list(TEMPLATES))
def test_templates_keep_every_tag_byte_for_byte(linter: Linter, syntax: Syntax) -> None:
    source = TEMPLATES[syntax]
    report = linter.lint(source, syntax=syntax)
    result = fix(source, syntax, report, include_unsafe=True, safe_rules=SAFE)
    guard = SourceGuard(source, syntax)
    assert result.applied  # something was fixed
    assert guard.tags(result.text) == guard.tags(source)
    for edit in result.applied:
        assert "{" not in edit.replacement and "}" not in edit.replacement
    fixed = {(e.rule, e.start) for e in result.applied}
    after = linter.lint(result.text, syntax=syntax, kind=report.kind)
    assert "template-syntax" not in _rules(after)
    # What was fixed is gone, and the rewrites read as they should.
    assert len([f for f in after.findings if f.rule in {r for r, _ in fixed}]) < \
        len([f for f in report.findings if f.rule in {r for r, _ in fixed}])


def test_a_rewrite_that_would_write_or_cross_a_placeholder_is_skipped(linter: Linter) -> None:
    source = TEMPLATES["jinja"]
    report = linter.lint(source, syntax="jinja")
    result = fix(source, "jinja", report, include_unsafe=True, safe_rules=SAFE)
    # "{{ count }} invoices were deleted" → "We deleted {{ count }} invoices": the
    # rewrite would move the placeholder, so it is not applied.
    assert "{{ count }} invoices were deleted during the migration." in result.text
    reasons = {s.reason for s in result.skipped}
    assert any("placeholder" in reason for reason in reasons)
    # A condition cut by a placeholder ("We apologize, {{first_name}}, if…") is skipped.
    hbs = TEMPLATES["handlebars"]
    fixed = fix(hbs, "handlebars", linter.lint(hbs, syntax="handlebars"), include_unsafe=True,
                safe_rules=SAFE)
    assert "We apologize, {{first_name}}, if you were affected." in fixed.text


def test_rewrites_in_context(linter: Linter) -> None:
    source = ("Hello,\n\nAs you know, your data was deleted during the move. We're sorry "
              "for the trouble, but most customers were not affected.\n")
    result = fix(source, "text", linter.lint(source, syntax="text"), include_unsafe=True,
                 safe_rules=SAFE)
    # Mid-sentence, the rewrite starts in lower case; the tail is the writer's own.
    assert "As you know, we deleted your data during the move." in result.text
    assert "We're sorry for the trouble. Most customers were not affected." in result.text
    assert result.text.startswith("Hello,\n\n")


def test_only_safe_rewrites_without_include_unsafe(linter: Linter) -> None:
    source = "Mistakes were made during the migration. Sorry for the trouble, but it is fixed.\n"
    result = fix(source, "text", linter.lint(source, syntax="text"), safe_rules=SAFE)
    assert {e.rule for e in result.applied} <= SAFE
    assert "Mistakes were made" in result.text
    assert all(e.safe for e in result.applied)


@pytest.mark.parametrize(("syntax", "source"), [
    ("html", "<p>Sorry for the trouble&nbsp;, but most customers were not affected.</p>"),
    ("markdown", "Sorry for the *trouble*, but most customers were not affected.\n"),
    ("eml", "Subject: Sorry\nContent-Type: text/plain\nContent-Transfer-Encoding: "
            "quoted-printable\n\nSorry for the trouble, but most customers were not "
            "affected.\n"),
])
def test_markup_entities_and_encoded_email_are_never_edited(linter: Linter, syntax: Syntax,
                                                            source: str) -> None:
    report = linter.lint(source, syntax=syntax)
    assert "apology-but" in _rules(report)
    result = fix(source, syntax, report, include_unsafe=True, safe_rules=SAFE)
    assert result.text == source
    assert not result.changed


def test_html_prose_is_edited_across_collapsed_whitespace(linter: Linter) -> None:
    source = "<p>Sorry for the trouble,\n   but most customers were not affected.</p>"
    result = fix(source, "html", linter.lint(source, syntax="html"), safe_rules=SAFE)
    assert result.text == "<p>Sorry for the trouble. Most customers were not affected.</p>"


def test_a_stale_report_is_not_applied(linter: Linter) -> None:
    source = "Sorry for the trouble, but most customers were not affected."
    report = linter.lint(source, syntax="text")
    changed = "Oh. " + source
    result = fix(changed, "text", report, safe_rules=SAFE)
    assert result.text == changed
    finding = next(f for f in report.findings if f.rule == "apology-but")
    assert explain_edit(changed, finding, SourceGuard(changed, "text"), SAFE) == \
        "the file changed since it was linted"


def test_edits_are_applied_right_to_left_and_never_overlap() -> None:
    source = "abcdef"
    assert apply_edits(source, [TextEdit(rule="r", start=4, end=5, replacement="XY", safe=True),
                                TextEdit(rule="r", start=0, end=1, replacement="", safe=True)]) \
        == "bcdXYf"
    with pytest.raises(ValueError, match="overlapping"):
        apply_edits(source, [TextEdit(rule="r", start=0, end=3, replacement="", safe=True),
                             TextEdit(rule="r", start=2, end=4, replacement="", safe=True)])


def test_overlapping_rewrites_keep_the_first(linter: Linter) -> None:
    source = "We apologize if you were affected, but the issue is resolved now."
    report = linter.lint(source, syntax="text")
    chosen, skipped = edits(source, "text", report, include_unsafe=True, safe_rules=SAFE)
    for a, b in itertools.pairwise(chosen):
        assert a.end < b.start
    assert apply_edits(source, chosen) != source or skipped


def test_unified_diff() -> None:
    assert unified_diff("same\n", "same\n", "x.txt") == ""
    diff = unified_diff("a\nSorry, but.\n", "a\nSorry.\n", "mail/x.txt")
    assert diff.splitlines()[:2] == ["--- a/mail/x.txt", "+++ b/mail/x.txt"]
    assert "-Sorry, but.\n+Sorry.\n" in diff
    no_newline = unified_diff("Sorry, but", "Sorry", "x")
    assert no_newline.count("\\ No newline at end of file") == 2


@pytest.mark.parametrize("path", sorted(p for p in EXAMPLES_DIR.iterdir()
                                        if p.name != "README.md"), ids=lambda p: p.name)
def test_examples_keep_their_tags_whatever_is_fixed(linter: Linter, path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    syntax = syntax_for(str(path))
    report = linter.lint(source, syntax=syntax, path=str(path))
    result = fix(source, syntax, report, path=str(path), include_unsafe=True, safe_rules=SAFE)
    guard = SourceGuard(source, syntax, str(path))
    assert guard.tags(result.text) == guard.tags(source)
    after = linter.lint(result.text, syntax=syntax, path=str(path))
    assert _rules(after).count("template-syntax") == _rules(report).count("template-syntax")


# --- the command line: --diff and --fix ----------------------------------------------------

LETTER = ("Hi Dana,\n\nWe're sorry for the late invoices, but the payroll file had the "
          "wrong format.\n")
TEMPLATE = ("{# greeting #}\nHi {{ name }},\n\nWe are sorry your export failed, but we had "
            "a database issue on our side.\n")


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    from apology_lint import cli

    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_diff_shows_the_safe_rewrites_and_changes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    Path("a.txt").write_text(LETTER)
    code, out, _ = _cli(capsys, "--diff", "a.txt")
    assert code == 1
    assert out.startswith("--- a/a.txt\n+++ b/a.txt\n")
    assert "+We're sorry for the late invoices. The payroll file had the wrong format.\n" in out
    assert Path("a.txt").read_text() == LETTER


def test_fix_rewrites_the_files_keeps_every_tag_and_leaves_nothing_to_fix(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    Path("a.txt").write_text(LETTER)
    Path("b.j2").write_text(TEMPLATE)
    Path("b.j2").chmod(0o640)
    code, _, err = _cli(capsys, "--fix", "a.txt", "b.j2")
    assert "apology-lint: fixed 2 findings in 2 files" in err.splitlines()
    assert code in (0, 1)  # what remains decides
    fixed = Path("b.j2").read_text()
    assert fixed == TEMPLATE.replace("failed, but we had", "failed. We had")
    assert Path("b.j2").stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert _cli(capsys, "--diff", "a.txt", "b.j2")[:2] == (0, "")


def test_fix_leaves_a_file_it_could_not_write_back_byte_for_byte(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    data = "\ufeff".encode() + LETTER.encode()  # a byte order mark the reader drops
    Path("a.txt").write_bytes(data)
    _, _, err = _cli(capsys, "--fix", "a.txt")
    assert "apology-lint: a.txt: not fixed: it is not plain UTF-8" in err
    assert Path("a.txt").read_bytes() == data


def test_fix_and_diff_together_are_a_usage_error(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        _cli(capsys, "--fix", "--diff", "a.txt")
    assert stop.value.code == 2
