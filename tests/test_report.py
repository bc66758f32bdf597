"""Kind detection, anatomy and score behave as the research says they should."""

from __future__ import annotations

from apology_lint import Linter, lint

STRONG = (
    "Hi Sam,\n\nWe're sorry: on Monday we pushed a pricing change that charged 212 of your "
    "customers twice, so your support team spent the day answering refund questions. We've "
    "refunded every duplicate charge ($18,440 in total) and we're waiving your May fee. We've "
    "added an automated check that blocks any billing run with duplicate charges, and every "
    "pricing change now needs a second reviewer.\n\nReply to this email or call me directly.\n\n"
    "Priya Shah\nHead of Billing\n")
WEAK = ("We apologize for any inconvenience this may have caused. Mistakes were made. "
        "We'll update you soon.\n\nThe Team\n")


def test_strong_message_scores_high_and_shows_its_anatomy(linter: Linter) -> None:
    report = linter.lint(STRONG)
    assert report.kind == "apology" and report.kind_source == "detected"
    assert {"apology", "ownership", "impact", "remedy", "prevention", "contact"} <= set(
        report.elements.present())
    assert report.score >= 70
    assert not [f for f in report.findings if f.severity == "error"]


def test_weak_message_scores_low_and_gate_caps(linter: Linter) -> None:
    report = linter.lint(WEAK, kind="apology")
    assert report.score < linter.lint(STRONG).score
    assert any(f.rule == "conditional-apology" and f.severity == "error" for f in report.findings)
    assert report.score <= 59 and report.band == "rewrite"


def test_kind_detection(linter: Linter) -> None:
    assert linter.lint("Investigating - Card payments are failing for all customers since "
                       "13:05 UTC. Next update by 13:45 UTC.").kind == "update"
    assert linter.lint("Resolved: logins have worked normally since 10:40 UTC. The root cause "
                       "was an expired certificate.").kind == "resolution"
    assert linter.lint("Hi Dana,\n\nWe're sorry we sent the wrong file.\n").kind == "apology"


def test_module_level_lint_function() -> None:
    report = lint("We're sorry this happened.", kind="apology")
    assert any(f.rule == "apology-for-event-not-act" for f in report.findings)


def test_lint_many_matches_lint(linter: Linter) -> None:
    texts = [STRONG, WEAK, "Mistakes were made."]
    batched = [r.model_dump() for r in linter.lint_many(texts, kind="apology")]
    single = [linter.lint(t, kind="apology").model_dump() for t in texts]
    assert batched == single
