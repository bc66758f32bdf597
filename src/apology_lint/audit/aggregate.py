"""The audit's aggregates: counters that grow one incident at a time and merge exactly.

Everything kept is an integer: message counts, score counts per score (0-100, so the
median and quartiles are exact, not estimated from bins), part and rule counters, delay
counts per whole minute and the sum of delays in seconds. Means, rates and quantiles are
worked out only when a summary is asked for. That is what makes ``merge`` exact: adding
integers is associative and commutative, so partitions linted on different Dask workers
(part 4), merged in any order, give the very aggregate one process gives. No float is
ever summed.

Nothing here imports spaCy or reads a file: the aggregate is a pure function of the
``MessageRow``s of each incident, so it can be rebuilt from ``messages.jsonl``.
"""

from __future__ import annotations

import copy
import math
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from ..models import ELEMENT_NAMES
from .models import (
    GROUP_DIMENSIONS,
    AggregatesDocument,
    DelayBin,
    DelaySummary,
    GroupDimension,
    GroupSummary,
    KindSummary,
    MessageRow,
    RuleRate,
)

GroupKey = tuple[str, ...]
TOP_RULES = 15
MAX_SCORE = 100
BROKEN_PROMISE_RULE = "broken-update-promise"
# Scheduled work starts when it was announced: its "delay" says nothing about response.
MAINTENANCE = "maintenance"
# First-response delay bins for the plot, in minutes: [edge, next edge).
DELAY_EDGES: tuple[int, ...] = (0, 5, 15, 30, 60, 120, 240, 1440)
DELAY_LABELS: tuple[str, ...] = ("0-5 min", "5-15 min", "15-30 min", "30-60 min", "1-2 h",
                                 "2-4 h", "4-24 h", "24 h or more")


def score_bin(score: int) -> int:
    """The 10-point bin of a score; 100 shares the last bin with 90-99."""
    return min(score // 10, 9)


@dataclass
class KindStats:
    """The messages of one kind in one group."""

    messages: int = 0
    score_sum: int = 0
    # scores[s]: messages that scored s.
    scores: list[int] = field(default_factory=lambda: [0] * (MAX_SCORE + 1))
    bands: Counter[str] = field(default_factory=Counter)
    parts: Counter[str] = field(default_factory=Counter)

    def add(self, row: MessageRow) -> None:
        self.messages += 1
        self.score_sum += row.score
        self.scores[row.score] += 1
        self.bands[row.band] += 1
        self.parts.update(row.elements)

    def update(self, other: KindStats) -> None:
        self.messages += other.messages
        self.score_sum += other.score_sum
        self.scores = [a + b for a, b in zip(self.scores, other.scores, strict=True)]
        self.bands.update(other.bands)
        self.parts.update(other.parts)

    def quantile(self, q: float) -> float | None:
        return _quantile(enumerate(self.scores), self.messages, q)

    def summary(self) -> KindSummary:
        histogram = [0] * 10
        for score, count in enumerate(self.scores):
            histogram[score_bin(score)] += count
        n = self.messages
        return KindSummary(
            messages=n,
            mean_score=round(self.score_sum / n, 2) if n else None,
            median_score=self.quantile(0.5), p10_score=self.quantile(0.1),
            p25_score=self.quantile(0.25), p75_score=self.quantile(0.75),
            p90_score=self.quantile(0.9), histogram=histogram,
            bands=dict(sorted(self.bands.items())),
            parts={p: round(self.parts[p] / n, 4) if n else 0.0 for p in ELEMENT_NAMES})


@dataclass
class GroupStats:
    """Everything the report says about one group of messages."""

    messages: int = 0
    incidents: int = 0
    kinds: dict[str, KindStats] = field(default_factory=dict)
    # Messages each rule fired on (a message counts once however many findings).
    rules: Counter[str] = field(default_factory=Counter)
    thread_rules: Counter[str] = field(default_factory=Counter)
    promises: int = 0
    broken_promises: int = 0
    # First-response delays: incidents per whole minute (floored), and the exact sum in
    # seconds for the mean.
    delays: Counter[int] = field(default_factory=Counter)
    delay_seconds: int = 0

    def add_message(self, row: MessageRow) -> None:
        self.messages += 1
        self.kinds.setdefault(row.kind, KindStats()).add(row)
        self.rules.update(row.rules)
        self.thread_rules.update(row.thread_rules)
        if row.next_update_promise:
            self.promises += 1
            if BROKEN_PROMISE_RULE in row.thread_rules:
                self.broken_promises += 1

    def add_delay(self, seconds: int) -> None:
        self.delays[seconds // 60] += 1
        self.delay_seconds += seconds

    def update(self, other: GroupStats) -> None:
        self.messages += other.messages
        self.incidents += other.incidents
        for kind, stats in other.kinds.items():
            self.kinds.setdefault(kind, KindStats()).update(stats)
        self.rules.update(other.rules)
        self.thread_rules.update(other.thread_rules)
        self.promises += other.promises
        self.broken_promises += other.broken_promises
        self.delays.update(other.delays)
        self.delay_seconds += other.delay_seconds

    def promise_kept_rate(self) -> float | None:
        if not self.promises:
            return None
        return round((self.promises - self.broken_promises) / self.promises, 4)

    def delay_summary(self) -> DelaySummary | None:
        n = sum(self.delays.values())
        if not n:
            return None
        items = sorted(self.delays.items())
        counts = [0] * len(DELAY_LABELS)
        below = 0
        for minute, count in items:
            if minute < 0:
                below += count  # posted before the start the source gives
                continue
            counts[_bin(minute)] += count
        bins = ([DelayBin(label="before the start", incidents=below)] if below else []) + [
            DelayBin(label=label, incidents=c)
            for label, c in zip(DELAY_LABELS, counts, strict=True)]
        median, p90 = _quantile(items, n, 0.5), _quantile(items, n, 0.9)
        return DelaySummary(
            incidents=n, mean_minutes=round(self.delay_seconds / 60 / n, 2),
            median_minutes=median if median is not None else 0.0,
            p90_minutes=p90 if p90 is not None else 0.0,
            min_minutes=items[0][0], max_minutes=items[-1][0], bins=bins)

    def summary(self, key: dict[str, str]) -> GroupSummary:
        return GroupSummary(
            key=key, messages=self.messages, incidents=self.incidents,
            kinds={k: self.kinds[k].summary() for k in sorted(self.kinds)},
            promises=self.promises, broken_promises=self.broken_promises,
            promise_kept_rate=self.promise_kept_rate(), first_response=self.delay_summary(),
            message_rules=_top(self.rules, self.messages),
            thread_rules=_top(self.thread_rules, self.messages))


@dataclass
class AuditAggregate:
    """The whole audit's counters: the total, each group of ``group_by`` and each
    dimension on its own (always including the quarter, for the plots over time)."""

    group_by: tuple[GroupDimension, ...]
    total: GroupStats = field(default_factory=GroupStats)
    groups: dict[GroupKey, GroupStats] = field(default_factory=dict)
    by_dimension: dict[str, dict[str, GroupStats]] = field(default_factory=dict)
    input_errors: int = 0

    def __post_init__(self) -> None:
        if not self.group_by:
            raise ValueError("group_by needs at least one dimension")
        unknown = [d for d in self.group_by if d not in GROUP_DIMENSIONS]
        if unknown or len(set(self.group_by)) != len(self.group_by):
            raise ValueError(f"group_by: give distinct dimensions from "
                             f"{', '.join(GROUP_DIMENSIONS)}, not {', '.join(self.group_by)}")
        for dim in self.dimensions:
            self.by_dimension.setdefault(dim, {})

    @property
    def dimensions(self) -> tuple[GroupDimension, ...]:
        """The dimensions kept on their own: the group-by ones, and the quarter."""
        extra: tuple[GroupDimension, ...] = () if "quarter" in self.group_by else ("quarter",)
        return self.group_by + extra

    def key(self, row: MessageRow) -> GroupKey:
        return tuple(row.dimension(d) for d in self.group_by)

    def add_incident(self, rows: Sequence[MessageRow]) -> None:
        """Count one incident's messages (all of them: the incident counts once in each
        group a message of it falls in, and its first-response delay in the first
        message's group)."""
        if not rows:
            return
        touched: dict[int, GroupStats] = {id(self.total): self.total}
        for row in rows:
            targets = [self.total, self.groups.setdefault(self.key(row), GroupStats())]
            targets += [self.by_dimension[d].setdefault(row.dimension(d), GroupStats())
                        for d in self.dimensions]
            for stats in targets:
                stats.add_message(row)
                touched[id(stats)] = stats
        for stats in touched.values():
            stats.incidents += 1
        first = min(rows, key=lambda r: r.index)
        if first.started_at is not None and first.impact != MAINTENANCE:
            # Whole seconds, floored: integers keep the merge exact.
            seconds = math.floor((first.ts - first.started_at).total_seconds())
            self.total.add_delay(seconds)
            self.groups[self.key(first)].add_delay(seconds)
            for d in self.dimensions:
                self.by_dimension[d][first.dimension(d)].add_delay(seconds)

    def update(self, other: AuditAggregate) -> None:
        """Add ``other``'s counts to this aggregate (in place)."""
        if other.group_by != self.group_by:
            raise ValueError(f"cannot merge an aggregate grouped by {','.join(other.group_by)} "
                             f"into one grouped by {','.join(self.group_by)}")
        self.total.update(other.total)
        for key, stats in other.groups.items():
            self.groups.setdefault(key, GroupStats()).update(stats)
        for dim, values in other.by_dimension.items():
            mine = self.by_dimension.setdefault(dim, {})
            for value, stats in values.items():
                mine.setdefault(value, GroupStats()).update(stats)
        self.input_errors += other.input_errors

    def merge(self, other: AuditAggregate) -> AuditAggregate:
        """A new aggregate with both one's counts; neither is changed. Exact, associative
        and commutative: merged partitions equal the single-process aggregate."""
        merged = copy.deepcopy(self)
        merged.update(other)
        return merged

    def document(self) -> AggregatesDocument:
        """The summaries ``aggregates.json`` holds, groups sorted by key."""
        return AggregatesDocument(
            group_by=list(self.group_by),
            total=self.total.summary({}),
            groups=[stats.summary(dict(zip(self.group_by, key, strict=True)))
                    for key, stats in sorted(self.groups.items())],
            by_dimension={dim: [stats.summary({dim: value})
                                for value, stats in sorted(values.items())]
                          for dim, values in self.by_dimension.items()},
            input_errors=self.input_errors)


def aggregate_rows(rows: Iterable[MessageRow],
                   group_by: Sequence[GroupDimension]) -> AuditAggregate:
    """The aggregate of rows as ``messages.jsonl`` holds them (each incident's rows
    together, as the audit writes them)."""
    aggregate = AuditAggregate(tuple(group_by))
    for rows_of_one in _by_incident(rows):
        aggregate.add_incident(rows_of_one)
    return aggregate


def _by_incident(rows: Iterable[MessageRow]) -> Iterator[list[MessageRow]]:
    current: list[MessageRow] = []
    for row in rows:
        # A new incident starts at index 0 (ids repeat across providers and files).
        if current and (row.index == 0 or (row.file, row.incident)
                        != (current[0].file, current[0].incident)):
            yield current
            current = []
        current.append(row)
    if current:
        yield current


def _bin(minute: int) -> int:
    for index in range(len(DELAY_EDGES) - 1, -1, -1):
        if minute >= DELAY_EDGES[index]:
            return index
    return 0


def _quantile(items: Iterable[tuple[int, int]], n: int, q: float) -> float | None:
    """The ``q`` quantile of ``n`` values given as (value, count) in ascending order,
    interpolated between the order statistics around ``q·(n-1)``."""
    if n <= 0:
        return None
    position = q * (n - 1)
    low_rank, high_rank = math.floor(position), math.ceil(position)
    low = high = None
    seen = 0
    for value, count in items:
        if not count:
            continue
        seen += count
        if low is None and seen > low_rank:
            low = value
        if seen > high_rank:
            high = value
            break
    assert low is not None and high is not None
    return round(low + (high - low) * (position - low_rank), 2)


def _top(counter: Counter[str], messages: int) -> list[RuleRate]:
    ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:TOP_RULES]
    return [RuleRate(rule=rule, messages=count,
                     per_100=round(100 * count / messages, 2) if messages else 0.0)
            for rule, count in ranked]
