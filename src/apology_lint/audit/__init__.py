"""Audit a whole archive of incidents: per-message results, aggregates and a report.

    from apology_lint.audit import audit
    summary = audit(["statuspages.jsonl"], "provider,quarter", "audit-out")

writes ``audit-out/messages.jsonl``, ``aggregates.json``, ``aggregates.csv`` and
``report.html``. It streams: incidents are read and linted a few at a time, and the
aggregates (``AuditAggregate``) are integer counters that ``merge`` exactly, so
partitions audited apart (on Dask workers) add up to the single-process result.
"""

from __future__ import annotations

from .aggregate import AuditAggregate, GroupStats, KindStats, aggregate_rows
from .models import (
    GROUP_DIMENSIONS,
    AggregatesDocument,
    AuditSummary,
    GroupDimension,
    GroupSummary,
    MessageRow,
    quarter_of,
)
from .run import AuditError, AuditProgress, audit, parse_group_by
from .source import IncidentSource, SourcedIncident

__all__ = [
    "GROUP_DIMENSIONS",
    "AggregatesDocument",
    "AuditAggregate",
    "AuditError",
    "AuditProgress",
    "AuditSummary",
    "GroupDimension",
    "GroupStats",
    "GroupSummary",
    "IncidentSource",
    "KindStats",
    "MessageRow",
    "SourcedIncident",
    "aggregate_rows",
    "audit",
    "parse_group_by",
    "quarter_of",
]
