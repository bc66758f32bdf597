"""The catalog's guards: words that look like a problem but are not one."""

from __future__ import annotations

import pytest

from apology_lint import Linter


def fired(linter: Linter, text: str, kind: str = "apology") -> set[str]:
    return {f.rule for f in linter.lint(text, kind=kind).findings  # type: ignore[arg-type]
            if f.severity != "info"}


@pytest.mark.parametrize(("text", "rule"), [
    ("We did not blame the vendor; the missing fallback was ours to build.", "blame-third-party"),
    ("This outage was not caused by our provider.", "blame-third-party"),
    ("We're sorry. If you still see errors, reload the page and reply to me.", "conditional-apology"),
    ("If you still see errors, reload the page.", "blame-client"),
    ("Only EU customers were affected; US accounts worked normally.", "minimizer"),
    ("We just deployed a fix for the export failures.", "minimizer"),
    ("We know this was far more than an inconvenience for your team.", "inconvenience-euphemism"),
    ("We'll send the review as soon as it is approved, and no later than 16:00 CET on Friday.",
     "vague-timeline"),
    ('Your email said "we apologize for any inconvenience" was not enough, and you were right.',
     "inconvenience-euphemism"),
    ("The wrong rate table was applied by our billing team, and we did not check it.",
     "agentless-fault"),
    ("Our engineers restored service at 10:40 UTC.", "blame-individual"),
])
def test_guard_keeps_rule_quiet(linter: Linter, text: str, rule: str) -> None:
    assert rule not in fired(linter, text)


@pytest.mark.parametrize(("text", "rule"), [
    ("We're sorry we double-charged you, but your bank should have caught it.", "apology-but"),
    ("We apologize if anyone was affected by the outage.", "conditional-apology"),
    ("Due to a problem with our email provider, your invoices went out late.", "blame-third-party"),
    ("We are sorry you were upset by our reply.", "sorry-you-feel"),
    ("Your order was sent to the wrong address.", "agentless-fault"),
    ("An engineer deleted the production table.", "blame-individual"),
])
def test_problem_fires(linter: Linter, text: str, rule: str) -> None:
    assert rule in fired(linter, text)


def test_ownership_in_next_sentence_quiets_passive(linter: Linter) -> None:
    text = "A bad rule was deployed to the firewall. We did not test it before release."
    assert "agentless-fault" not in fired(linter, text)


def test_vendor_blame_owned_in_next_sentence(linter: Linter) -> None:
    text = ("The outage was caused by our cloud provider. We hadn't built failover, "
            "and that is on us.")
    assert "blame-third-party" not in fired(linter, text)
