"""Suggestions computed from the parse: a writer can paste them as they are."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from apology_lint import Linter
from apology_lint.models import MessageMeta

from .conftest import all_rules


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
    text = "We're sorry for the delay, but the parcel left our warehouse late."
    got = suggestion(linter, text, "apology-but")
    assert '"We\'re sorry for the delay."' in got
    assert '"The parcel left our warehouse late."' in got


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


# --- suggestions are clean, and never what another rule flags --------------------------

# A rewrite in a suggestion: a quoted sentence ("We've refunded the $480 charge.").
_QUOTE = re.compile(r'"([A-Z][^"…]{11,}[.!?])"')
# Rules that judge the whole message (how specific it is overall): a quoted sentence out of
# its message cannot satisfy them, and they do not flag its words.
_WHOLE_MESSAGE = {"vague-incident"}


def test_a_wrapped_sentence_gives_a_one_line_suggestion(linter: Linter) -> None:
    text = "Hi Dana,\n\nMistakes were made during the\nmigration of your account.\n"
    got = suggestion(linter, text, "agentless-fault")
    assert "\n" not in got
    assert '"We made mistakes during the migration of your account."' in got


def test_no_condition_no_conditional_apology(linter: Linter) -> None:
    found = linter.lint("We apologize for any inconvenience.", kind="apology").findings
    rules = [f.rule for f in found if f.scope == "span"]
    assert "conditional-apology" not in rules
    # One phrase, one finding: the euphemism explains "any inconvenience", and the
    # apology for an event yields to it.
    assert "inconvenience-euphemism" in rules and "apology-for-event-not-act" not in rules


def test_one_finding_per_rule_per_sentence(linter: Linter) -> None:
    found = linter.lint("Our API, SDK and CLI failed over the WAN.", kind="update").findings
    assert sum(f.rule == "jargon" for f in found) == 1


def _examples() -> list[tuple[str, str, str]]:
    return [(rule.id, text, rule.examples.kind or next(iter(rule.severity)))
            for rule in all_rules() if rule.examples.syntax is None
            for text in rule.examples.bad]


@pytest.mark.parametrize(("rule_id", "text", "kind"), _examples())
def test_no_suggestion_proposes_what_another_rule_flags(
        linter: Linter, rule_id: str, text: str, kind: str) -> None:
    """Every quoted rewrite a finding suggests, linted as a message of the same kind,
    draws no finding from another rule on words it brings in. Words the writer wrote that
    the rewrite keeps ("etcd") and that are reported on their own in the draft are theirs
    to fix there; "for the inconvenience" in place of "for any inconvenience" is new."""
    findings = linter.lint(text, kind=kind).findings  # type: ignore[arg-type]
    reported = {(f.rule, f.text.lower()) for f in findings}
    for finding in findings:
        for quote in _QUOTE.findall(finding.suggestion):
            flagged = [(f.rule, f.text) for f in linter.lint(quote, kind=kind).findings  # type: ignore[arg-type]
                       if f.scope == "span" and f.rule not in {finding.rule, *_WHOLE_MESSAGE}
                       and (f.rule, f.text.lower()) not in reported]
            assert not flagged, f"{finding.rule} suggests {quote!r}, which {flagged} flag"


def test_a_rewrite_quotes_the_template_placeholder_not_its_stand_in(linter: Linter) -> None:
    source = "Hi {{first_name}},\n\nYour data was deleted during the move of {{account_name}}.\n"
    found = [f for f in linter.lint(source, kind="apology", syntax="jinja").findings
             if f.rule == "agentless-fault"]
    assert found
    assert '"We deleted your data during the move of {{account_name}}."' in found[0].suggestion


def test_a_rewrite_is_not_guessed_when_two_placeholders_share_a_stand_in(
        linter: Linter) -> None:
    source = ("Hi {{first_name}}, {{ company }} here.\n\n"
              "Your data was deleted during the move of {{account_name}}.\n")
    found = [f for f in linter.lint(source, kind="apology", syntax="jinja").findings
             if f.rule == "agentless-fault"]
    assert found
    assert "Northwind" not in found[0].suggestion  # the stand-in both placeholders got
    assert "{{" not in found[0].suggestion  # and no guess at which placeholder it was


@pytest.mark.parametrize(("raw", "clean"), [
    ('Say: "We have lost some data . \n\n ." Then act.', 'Say: "We have lost some data." Then act.'),
    ("We are sorry... truly.", "We are sorry... truly."),
    ("We made mistakes during the\nmigration .", "We made mistakes during the migration."),
])
def test_suggestions_are_tidied_to_one_line(raw: str, clean: str) -> None:
    from apology_lint.placing import _one_line

    assert _one_line(raw) == clean
