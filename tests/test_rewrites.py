"""Suggestions computed from the parse: a writer can paste them as they are."""

from __future__ import annotations

from datetime import datetime

import pytest

from apology_lint import Linter
from apology_lint.models import MessageMeta


def suggestion(linter: Linter, text: str, rule: str, kind: str = "apology") -> str:
    found = [f for f in linter.lint(text, kind=kind).findings  # type: ignore[arg-type]
             if f.rule == rule]
    assert found, f"{rule} did not fire on {text!r}"
    return found[0].suggestion


@pytest.mark.parametrize(("text", "active"), [
    ("Mistakes were made during the migration.", "We made mistakes during the migration."),
    ("We're sorry. Your data was deleted during the move.", "We deleted your data during the move."),
    ("Your order was shipped to the wrong address.", "We shipped your order to the wrong address."),
    ("Your invoices have been sent twice.", "We have sent your invoices twice."),
])
def test_agentless_fault_becomes_active_with_we(linter: Linter, text: str, active: str) -> None:
    assert f'"{active}"' in suggestion(linter, text, "agentless-fault")


def test_apology_for_event_uses_the_messages_own_fault_clause(linter: Linter) -> None:
    text = "We apologize for the outage. Your invoices were sent twice on Monday."
    assert '"We\'re sorry we sent your invoices twice on Monday."' in suggestion(
        linter, text, "apology-for-event-not-act")


@pytest.mark.parametrize(("text", "unconditional"), [
    ("We're sorry if you were affected by the delay.", "We're sorry."),
    ("We apologize to anyone who may have been affected.", "We apologize to you."),
])
def test_conditional_apology_drops_the_condition(linter: Linter, text: str,
                                                 unconditional: str) -> None:
    assert f'"{unconditional}"' in suggestion(linter, text, "conditional-apology")


def test_apology_but_is_split_in_two(linter: Linter) -> None:
    text = "We're sorry for the delay, but the carrier lost the parcel."
    got = suggestion(linter, text, "apology-but")
    assert '"We\'re sorry for the delay."' in got
    assert '"The carrier lost the parcel."' in got


def test_lexical_suggestions_quote_the_flagged_words(linter: Linter) -> None:
    got = suggestion(linter, "We'll post an update as soon as possible.", "vague-timeline",
                     kind="update")
    assert '"as soon as possible"' in got
    got = suggestion(linter, "We're sorry for any inconvenience caused.", "inconvenience-euphemism")
    assert '"any inconvenience"' in got


def test_unquantified_impact_names_what_is_missing(linter: Linter) -> None:
    got = suggestion(linter, "Some customers had problems for a while. It is fixed now.",
                     "unquantified-impact", kind="resolution")
    assert "when it started" in got and "how many" in got


def test_late_discovery_uses_timestamps_when_given(linter: Linter) -> None:
    text = "At 09:12 UTC we sent duplicate invoices. We're sorry; we've voided them."
    late = MessageMeta(incident_start=datetime(2026, 3, 1, 9, 12), sent_at=datetime(2026, 3, 3, 9))
    prompt = MessageMeta(incident_start=datetime(2026, 3, 1, 9, 12),
                         sent_at=datetime(2026, 3, 1, 10, 0))
    rule = "late-or-unowned-discovery"
    assert any(f.rule == rule for f in linter.lint(text, kind="apology", meta=late).findings)
    assert not any(f.rule == rule for f in linter.lint(text, kind="apology", meta=prompt).findings)


def test_acronym_allowlist_can_be_extended() -> None:
    text = "Our KDS screens were down from 09:00 to 09:40 UTC. We're sorry."
    plain = Linter()
    extended = Linter(extend_lexicons={"acronym_allowlist": ["KDS"]})
    assert any(f.rule == "jargon" for f in plain.lint(text, kind="apology").findings)
    assert not any(f.rule == "jargon" for f in extended.lint(text, kind="apology").findings)
