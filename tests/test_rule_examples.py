"""Every rule's own examples: the bad ones fire it, the good ones don't (pylint-style)."""

from __future__ import annotations

import pytest

from apology_lint import Linter
from apology_lint.models import KINDS
from apology_lint.rulespec import RuleSpec

from .conftest import all_rules

RULES = all_rules()


def example_kind(rule: RuleSpec) -> str:
    if rule.examples.kind is not None:
        return rule.examples.kind
    return next(k for k in KINDS if k in rule.severity)


def cases(which: str) -> list[tuple[str, str, str | None, str]]:
    return [
        (rule.id, example_kind(rule), rule.examples.syntax, text)
        for rule in RULES
        for text in getattr(rule.examples, which)
    ]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_has_three_bad_and_three_good_examples(rule: RuleSpec) -> None:
    assert len(rule.examples.bad) >= 3, f"{rule.id} needs at least 3 bad examples"
    assert len(rule.examples.good) >= 3, f"{rule.id} needs at least 3 good examples"


@pytest.mark.parametrize(("rule_id", "kind", "syntax", "text"), cases("bad"))
def test_bad_example_fires_its_rule(
    linter: Linter, rule_id: str, kind: str, syntax: str | None, text: str
) -> None:
    report = linter.lint(text, kind=kind, syntax=syntax)  # type: ignore[arg-type]
    fired = {f.rule for f in report.findings}
    assert rule_id in fired, f"{rule_id} did not fire on {text!r}; fired: {sorted(fired)}"


@pytest.mark.parametrize(("rule_id", "kind", "syntax", "text"), cases("good"))
def test_good_example_does_not_fire_its_rule(
    linter: Linter, rule_id: str, kind: str, syntax: str | None, text: str
) -> None:
    report = linter.lint(text, kind=kind, syntax=syntax)  # type: ignore[arg-type]
    serious = [f for f in report.findings
               if f.rule == rule_id and f.severity in ("error", "warning")]
    assert not serious, f"{rule_id} fired on its good example {text!r}: {serious[0].text!r}"
