"""vague-incident on status updates and resolutions (the rule file's examples are letters).

A short status message is specific when any sentence names what failed; a name that is
only the company or the whole product does not."""

from __future__ import annotations

import pytest

from apology_lint import Linter


def fires(linter: Linter, text: str, kind: str) -> bool:
    report = linter.lint(text, kind=kind)  # type: ignore[arg-type]
    return any(f.rule == "vague-incident" for f in report.findings)


@pytest.mark.parametrize(("kind", "text"), [
    ("update", "A fix has been implemented and we are monitoring the results. We will share "
               "updates as they become available."),
    ("update", "Northwind is aware of this outage and is working to restore services."),
    ("update", "We are investigating reports of degraded performance for Northwind services."),
    ("resolution", "Our services are operational again and we will keep monitoring for any "
                   "lingering effects."),
    ("resolution", "This incident has been resolved. Please refresh the page."),
])
def test_a_message_that_never_says_what_failed_is_vague(
        linter: Linter, kind: str, text: str) -> None:
    assert fires(linter, text, kind)


@pytest.mark.parametrize(("kind", "text"), [
    ("update", "We are seeing elevated errors on requests to the Orion API."),
    ("update", "Some customers are unable to check out. We are investigating the issue."),
    ("update", "We have identified an issue with Payouts and are working on a fix."),
    ("resolution", "Deploys on the build cluster are succeeding again. The issue is resolved."),
    ("resolution", "The fix is rolled out and the colour picker is working again."),
    ("resolution", "We saw packet loss on some hosts in Frankfurt; traffic is routed around "
                   "them now."),
    ("resolution", "This issue has been resolved and status.example.com is back."),
])
def test_a_message_that_names_what_failed_is_not_vague(
        linter: Linter, kind: str, text: str) -> None:
    assert not fires(linter, text, kind)
