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
    ("update", "Our engineers patched the problem this morning and are monitoring the "
               "results. More news to follow."),
    ("update", "Northwind is aware of this outage and is working to restore services."),
    ("update", "Northwind services are running slower than they should; we are looking into "
               "it."),
    ("resolution", "Everything is back up on our side, and the team will keep monitoring "
                   "for now."),
    ("resolution", "All sorted now. Please reload the page once."),
])
def test_a_message_that_never_says_what_failed_is_vague(
        linter: Linter, kind: str, text: str) -> None:
    assert fires(linter, text, kind)


@pytest.mark.parametrize(("kind", "text"), [
    ("update", "Calls to the Orion API are returning more errors than usual."),
    ("update", "Shoppers in the EU are unable to check out; we are on the issue."),
    ("update", "We found the issue with Payouts and a repair is under way."),
    ("resolution", "Deploys on the build cluster are succeeding again. The issue is resolved."),
    ("resolution", "The fix is rolled out and the colour picker is working again."),
    ("resolution", "We saw packet loss on some hosts in Frankfurt; traffic is routed around "
                   "them now."),
    ("resolution", "status.example.com answers again; the issue is closed."),
])
def test_a_message_that_names_what_failed_is_not_vague(
        linter: Linter, kind: str, text: str) -> None:
    assert not fires(linter, text, kind)
