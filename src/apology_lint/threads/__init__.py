"""Whole incidents: read a status-page thread, lint each message, check the thread.

    from apology_lint.threads import read_incidents, lint_thread
    for incident in read_incidents("incident.json").incidents:
        report = lint_thread(incident)

``check_thread`` runs only the thread rules (no spaCy), for a quick pass over an archive.
"""

from __future__ import annotations

from .incident import STATUSES, Incident, IncidentMessage, Status, kind_of, normalize_status
from .lint import MessageResult, ThreadReport, ThreadRun, lint_thread, lint_threads
from .readers import (
    IncidentError,
    Incidents,
    incident_from_messages,
    parse_ts,
    read_incidents,
    read_text,
)
from .rules import ThreadFinding, ThreadRules, ThreadRuleSpec


def check_thread(incident: Incident, rules: ThreadRules | None = None) -> list[ThreadFinding]:
    """The thread rules' findings on ``incident`` (default: the built-in rules)."""
    from .lint import default_thread_rules

    return (rules or default_thread_rules()).check(incident)


__all__ = [
    "STATUSES",
    "Incident",
    "IncidentError",
    "IncidentMessage",
    "Incidents",
    "MessageResult",
    "Status",
    "ThreadFinding",
    "ThreadReport",
    "ThreadRuleSpec",
    "ThreadRules",
    "ThreadRun",
    "check_thread",
    "incident_from_messages",
    "kind_of",
    "lint_thread",
    "lint_threads",
    "normalize_status",
    "parse_ts",
    "read_incidents",
    "read_text",
]
