"""``audit()``: lint an archive of incidents, streaming, into a folder of results.

One pass: incidents are read one at a time (``source.py``) and cut into partitions of
about a hundred messages (``nlp.pipe`` wants a few dozen texts at once); each partition
is linted (``PartitionLinter``) into its rows of ``messages.jsonl`` and an aggregate of
them, which are written and merged at once, and nothing else is kept. Memory is the
pipeline, a partition or a few and a bounded cache, whatever the archive's size.

Who lints a partition is the ``Executor``'s business: this process, one partition after
another (``audit``), or the workers of a Dask cluster (``distributed.audit_on_dask``),
with the same ``PartitionLinter``, so both give the same rows and the same aggregates.

Status pages repeat themselves ("We are investigating reports of degraded performance
for …", "This incident has been resolved."), so what the linter says about a text of a
kind is cached by a hash of the text, in an LRU of fixed size: a message is linted on
its own (the kind comes from its status, no metadata goes in), so the same text and kind
always give the same result.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import os
import shutil
import time
from collections import OrderedDict
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from datetime import timezone
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..errors import ApologyLintError, describe, one_line
from ..models import ELEMENT_NAMES, Band, ElementName, Kind, Report
from ..threads.checks import PromiseParams, Thread
from ..threads.incident import Incident
from ..threads.readers import IncidentError
from ..threads.rules import ThreadRules
from .aggregate import AuditAggregate
from .models import (
    GROUP_DIMENSIONS,
    AggregatesDocument,
    AuditSummary,
    GroupDimension,
    GroupSummary,
    MessageRow,
)
from .report_html import render_report
from .source import IncidentSource, SourcedIncident

if TYPE_CHECKING:
    from ..engine import Linter

MESSAGES_FILE = "messages.jsonl"
AGGREGATES_JSON = "aggregates.json"
AGGREGATES_CSV = "aggregates.csv"
REPORT_FILE = "report.html"
OUTPUT_FILES = (MESSAGES_FILE, AGGREGATES_JSON, AGGREGATES_CSV, REPORT_FILE)
KEEP_ERRORS = 1000


class AuditError(ApologyLintError):
    """The audit cannot run or produced nothing (a one-line message)."""


@dataclass(frozen=True)
class AuditProgress:
    """Where a run is, for a progress bar: bytes of the input read (known up front, so
    a fraction and an ETA exist while streaming) and what has been done."""

    bytes_done: int
    bytes_total: int
    messages: int
    incidents: int
    errors: int
    linted: int
    elapsed: float


@dataclass(frozen=True)
class _Outcome:
    """What the audit keeps of a message's lint: small, so thousands fit in the cache."""

    score: int
    band: Band
    elements: tuple[ElementName, ...]
    rules: tuple[str, ...]
    findings: int

    @classmethod
    def of(cls, report: Report) -> _Outcome:
        present = tuple(n for n in ELEMENT_NAMES if getattr(report.elements, n))
        return cls(report.score, report.band, present,
                   tuple(sorted({f.rule for f in report.findings})), len(report.findings))


_Key = tuple[Kind, bytes]


class _LRU:
    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[_Key, _Outcome] = OrderedDict()

    def get(self, key: _Key) -> _Outcome | None:
        found = self.items.get(key)
        if found is not None:
            self.items.move_to_end(key)
        return found

    def put(self, key: _Key, value: _Outcome) -> None:
        self.items[key] = value
        self.items.move_to_end(key)
        while len(self.items) > self.size:
            self.items.popitem(last=False)


def _key(text: str, kind: Kind) -> _Key:
    return kind, hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def parse_group_by(text: str) -> tuple[GroupDimension, ...]:
    """``"provider,quarter"`` as dimensions; ``ValueError`` with a one-line reason."""
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    if not names:
        raise ValueError(f"give one or more of {', '.join(GROUP_DIMENSIONS)}")
    dims: list[GroupDimension] = []
    for name in names:
        match = next((d for d in GROUP_DIMENSIONS if d == name), None)
        if match is None:
            raise ValueError(f"unknown dimension {name!r}: give one or more of "
                             f"{', '.join(GROUP_DIMENSIONS)}")
        if match in dims:
            raise ValueError(f"{name!r} is given twice")
        dims.append(match)
    return tuple(dims)


def prepare_out_dir(out_dir: Path, force: bool) -> bool:
    """Make sure ``out_dir`` can take the results; True when this call created it.

    A folder that exists and holds anything is used only with ``force``, and then only
    the audit's own files are replaced: a previous audit (or a colleague's notes) is
    never overwritten by accident, and nothing else in the folder is ever deleted."""
    if out_dir.exists():
        if not out_dir.is_dir():
            raise AuditError(f"{one_line(str(out_dir))}: exists and is not a folder")
        try:
            occupied = any(out_dir.iterdir())
        except OSError as exc:
            raise AuditError(f"{one_line(str(out_dir))}: cannot read: "
                             f"{exc.strerror or exc}") from None
        if occupied and not force:
            raise AuditError(f"{one_line(str(out_dir))}: the folder is not empty; give "
                             "--force to replace the audit's files in it (nothing else in it "
                             "is touched), or name a new folder")
        return False
    try:
        out_dir.mkdir(parents=True)
    except OSError as exc:
        raise AuditError(f"{one_line(str(out_dir))}: cannot create the folder: "
                         f"{exc.strerror or exc}") from None
    return True


@dataclass(frozen=True)
class AuditSettings:
    """What every partition is linted with, in this process or on a Dask worker (it is
    sent to the workers, so it holds plain data only)."""

    group_by: tuple[GroupDimension, ...]
    thread_params: dict[str, dict[str, Any]] | None = None
    cache_size: int = 20_000
    batch_messages: int = 128

    def __post_init__(self) -> None:
        AuditAggregate(self.group_by)  # checks the dimensions before any work
        if self.cache_size < 0 or self.batch_messages < 1:
            raise ValueError("cache_size must be >= 0 and batch_messages >= 1")

    @classmethod
    def of(cls, group_by: Sequence[GroupDimension] | str,
           thread_params: dict[str, dict[str, Any]] | None = None, cache_size: int = 20_000,
           batch_messages: int = 128) -> AuditSettings:
        dims = parse_group_by(group_by) if isinstance(group_by, str) else tuple(group_by)
        settings = cls(dims, thread_params, cache_size, batch_messages)
        ThreadRules(params=thread_params)  # a bad parameter is an error before any work
        return settings


@dataclass(frozen=True)
class Partition:
    """Consecutive incidents of the archive, about ``batch_messages`` messages: the unit
    that is linted, by this process or by a Dask worker. ``index`` is its place in the
    archive; its rows go into ``messages.jsonl`` in that order."""

    index: int
    incidents: tuple[SourcedIncident, ...]


@dataclass
class PartitionResult:
    """What linting a partition gives: its lines of ``messages.jsonl`` (in order), the
    aggregate of those rows, the incidents the linter failed on (one line each, counted in
    ``aggregate.input_errors``) and how many texts were linted rather than cached."""

    index: int
    lines: str
    aggregate: AuditAggregate
    errors: list[str]
    linted: int


class PartitionLinter:
    """Lints partitions, one after another, with one linter, the thread rules and a cache
    of outcomes kept from one partition to the next.

    This is the only code that turns incidents into rows: the single-process audit calls
    it on each partition in turn, a Dask worker (``distributed.py``) keeps one per run and
    calls it on the partitions it is given. So both runs lint, count and report errors
    the same way, and their merged aggregates are the same."""

    def __init__(self, linter: Linter, settings: AuditSettings) -> None:
        self.settings = settings
        self.linter = linter
        self.rules = ThreadRules(params=settings.thread_params)
        self.cache = _LRU(settings.cache_size)
        self.linted = 0
        self.partitions = 0
        promise = next((p for s, p in self.rules.rules if s.id == "broken-update-promise"),
                       None)
        # Promises are read exactly as broken-update-promise reads them, so every broken
        # promise is among the promises counted.
        self.assume = (timezone.utc if isinstance(promise, PromiseParams)
                       and promise.unzoned_clock == "utc" else None)

    def __call__(self, partition: Partition) -> PartitionResult:
        aggregate = AuditAggregate(self.settings.group_by)
        errors: list[str] = []
        lines: list[str] = []
        linted_before = self.linted
        outcomes = self.lint_texts(partition.incidents)
        for item in partition.incidents:
            try:
                rows = self.rows(item, outcomes)
            except ApologyLintError as exc:
                errors.append(str(IncidentError(str(exc), item.file, item.incident.line,
                                                item.incident.id)))
                continue
            except Exception as exc:  # one incident's failure is its own error
                if os.environ.get("APOLOGY_LINT_DEBUG", "") not in ("", "0"):
                    raise
                errors.append(str(IncidentError(f"internal error ({describe(exc)}); please "
                                                "report it", item.file, item.incident.line,
                                                item.incident.id)))
                continue
            lines.extend(row.model_dump_json() + "\n" for row in rows)
            aggregate.add_incident(rows)
        aggregate.input_errors += len(errors)
        self.partitions += 1
        return PartitionResult(partition.index, "".join(lines), aggregate, errors,
                               self.linted - linted_before)

    def lint_texts(self, batch: Sequence[SourcedIncident]) -> dict[_Key, _Outcome | None]:
        """The outcome of every message of the batch; None for a text the linter failed
        on (its incident is then an error, not a traceback)."""
        found: dict[_Key, _Outcome | None] = {}
        todo: dict[_Key, str] = {}
        for item in batch:
            for message in item.incident.messages:
                key = _key(message.text, message.kind)
                if key in found or key in todo:
                    continue
                cached = self.cache.get(key)
                if cached is not None:
                    found[key] = cached
                else:
                    todo[key] = message.text
        if todo:
            keys = list(todo)
            try:
                outcomes: list[_Outcome | None] = [
                    _Outcome.of(r) for r in self._lint([todo[k] for k in keys],
                                                        [k[0] for k in keys])]
            except Exception:
                # One bad text must not cost the batch: again, one at a time.
                outcomes = [self._lint_one(todo[k], k[0]) for k in keys]
            self.linted += len(keys)
            for key, outcome in zip(keys, outcomes, strict=True):
                found[key] = outcome
                if outcome is not None:
                    self.cache.put(key, outcome)
        return found

    def _lint(self, texts: list[str], kinds: list[Kind]) -> list[Report]:
        from ..readers import plain_document

        return list(self.linter.lint_documents(
            (plain_document(t), k, None) for t, k in zip(texts, kinds, strict=True)))

    def _lint_one(self, text: str, kind: Kind) -> _Outcome | None:
        try:
            return _Outcome.of(self._lint([text], [kind])[0])
        except Exception:
            return None

    def rows(self, item: SourcedIncident,
             outcomes: dict[_Key, _Outcome | None]) -> list[MessageRow]:
        incident = item.incident
        results = [outcomes[_key(m.text, m.kind)] for m in incident.messages]
        if any(r is None for r in results):
            raise RuntimeError("the linter failed on a message of this incident")
        thread_rules: list[set[str]] = [set() for _ in incident.messages]
        for finding in self.rules.check(incident):
            thread_rules[finding.message_index].add(finding.rule)
        promises = self._promises(incident)
        rows = []
        for index, (message, outcome) in enumerate(zip(incident.messages, results,
                                                       strict=True)):
            assert outcome is not None
            rows.append(MessageRow(
                provider=item.provider, file=item.file, incident=incident.id,
                impact=incident.impact, started_at=incident.started_at, index=index,
                ts=message.ts, line=message.line, status=message.status, kind=message.kind,
                score=outcome.score, band=outcome.band, elements=list(outcome.elements),
                rules=list(outcome.rules), findings=outcome.findings,
                thread_rules=sorted(thread_rules[index]),
                next_update_promise=index in promises))
        return rows

    def _promises(self, incident: Incident) -> set[int]:
        """Updates that promise the next one by a time and are followed by a message:
        the ones broken-update-promise judges."""
        thread = Thread(incident, self.rules.lexicons)
        return {i for i, m in enumerate(incident.messages[:-1])
                if m.kind == "update" and thread.promise(i, self.assume) is not None}


# Lints partitions, in this process or elsewhere, and yields their results in any order;
# every partition it is given must come back, or it raises.
Executor = Callable[[Iterator[Partition]], Iterator[PartitionResult]]


class _Run:
    """The client's side of a run: the merged aggregate and the errors, as reported."""

    def __init__(self, group_by: tuple[GroupDimension, ...],
                 on_error: Callable[[str], None] | None) -> None:
        self.aggregate = AuditAggregate(group_by)
        self.on_error = on_error
        self.errors: list[str] = []
        self.error_count = 0
        self.linted = 0
        self.partitions = 0

    def error(self, problem: str) -> None:
        """An input that could not be read (counted here: it is in no partition)."""
        self.aggregate.input_errors += 1
        self._report(problem)

    def add(self, result: PartitionResult) -> None:
        # Integer counters: merged in whatever order the partitions come back, the total
        # is the single-process one. The partition's errors are in its input_errors.
        self.aggregate.update(result.aggregate)
        self.linted += result.linted
        for problem in result.errors:
            self._report(problem)

    def _report(self, problem: str) -> None:
        self.error_count += 1
        if len(self.errors) < KEEP_ERRORS:
            self.errors.append(problem)
        if self.on_error is not None:
            self.on_error(problem)


def _partitions(source: Iterator[SourcedIncident | IncidentError], run: _Run,
                max_messages: int) -> Iterator[Partition]:
    """Incidents in partitions of about ``max_messages`` messages; errors reported as met."""
    batch: list[SourcedIncident] = []
    size = 0
    for item in source:
        if isinstance(item, IncidentError):
            run.error(str(item))
            continue
        batch.append(item)
        size += len(item.incident.messages)
        if size >= max_messages:
            yield Partition(run.partitions, tuple(batch))
            run.partitions += 1
            batch, size = [], 0
    if batch:
        yield Partition(run.partitions, tuple(batch))
        run.partitions += 1


class _MessagesFile:
    """``messages.jsonl`` under a temporary name, written in partition order whatever
    order the partitions are linted in: the next partition's lines are appended at once;
    one that comes back early is parked in a part file of its own (on disk, so memory
    stays bounded) and appended when those before it are in. In one process the
    partitions come in order and no part file is made."""

    def __init__(self, folder: Path) -> None:
        self.partial = folder / f".{MESSAGES_FILE}.partial"
        self.parts = folder / f".{MESSAGES_FILE}.parts"
        self.out: IO[str] | None = None
        self.next = 0
        self.parked: set[int] = set()

    def __enter__(self) -> _MessagesFile:
        self.out = self.partial.open("w", encoding="utf-8")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.out is not None:
            self.out.close()
        with contextlib.suppress(OSError):
            shutil.rmtree(self.parts)

    def add(self, index: int, lines: str) -> None:
        assert self.out is not None
        if index != self.next:
            self.parts.mkdir(exist_ok=True)
            self._part(index).write_text(lines, encoding="utf-8")
            self.parked.add(index)
            return
        self.out.write(lines)
        self.next += 1
        while self.next in self.parked:
            with self._part(self.next).open(encoding="utf-8") as part:
                shutil.copyfileobj(part, self.out)
            self._part(self.next).unlink()
            self.parked.discard(self.next)
            self.next += 1

    def complete(self, partitions: int) -> None:
        if self.next != partitions or self.parked:
            raise AuditError(f"internal error: {partitions - self.next} of {partitions} "
                             "partitions did not come back; please report it")

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.partial.unlink()

    def _part(self, index: int) -> Path:
        return self.parts / f"{index:09d}.jsonl"


def audit(paths: Sequence[str | os.PathLike[str]], group_by: Sequence[GroupDimension] | str,
          out_dir: str | os.PathLike[str], linter: Linter | None = None,
          progress: Callable[[AuditProgress], None] | None = None, *,
          force: bool = False, on_error: Callable[[str], None] | None = None,
          thread_params: dict[str, dict[str, Any]] | None = None,
          cache_size: int = 20_000, batch_messages: int = 128,
          title: str | None = None) -> AuditSummary:
    """Audit the incidents under ``paths`` into ``out_dir``: ``messages.jsonl``,
    ``aggregates.json``, ``aggregates.csv`` and ``report.html``.

    ``group_by`` is a sequence of dimensions (or ``"provider,quarter"``). An input that
    cannot be read is reported through ``on_error`` (one line each) and counted in the
    summary; the rest is audited. ``AuditError`` when ``out_dir`` cannot be used or
    nothing could be audited (then no result file is left behind). The same audit on a
    Dask cluster: ``distributed.audit_on_dask``."""
    settings = AuditSettings.of(group_by, thread_params, cache_size, batch_messages)

    def in_process(partitions: Iterator[Partition]) -> Iterator[PartitionResult]:
        nonlocal linter
        if linter is None:
            from ..engine import default_linter  # spaCy: loaded once, only here

            linter = default_linter()
        return map(PartitionLinter(linter, settings), partitions)

    return run_audit(paths, settings, out_dir, in_process, progress, force=force,
                     on_error=on_error, title=title)


def run_audit(paths: Sequence[str | os.PathLike[str]], settings: AuditSettings,
              out_dir: str | os.PathLike[str], execute: Executor,
              progress: Callable[[AuditProgress], None] | None = None, *,
              force: bool = False, on_error: Callable[[str], None] | None = None,
              title: str | None = None) -> AuditSummary:
    """``audit`` with the partitions linted by ``execute``: the incidents are read here,
    one at a time, cut into partitions, and the results written and merged as they come
    back. ``execute`` is called inside the run, so what it loads or starts (the
    pipeline) fails like the rest: one error, no result file left behind."""
    folder = Path(out_dir)
    created = prepare_out_dir(folder, force)
    started = time.monotonic()
    source = IncidentSource(paths)
    run = _Run(settings.group_by, on_error)

    def tell() -> None:
        if progress is not None:
            total = run.aggregate.total
            progress(AuditProgress(source.bytes_done, source.bytes_total, total.messages,
                                   total.incidents, run.error_count, run.linted,
                                   time.monotonic() - started))

    messages = _MessagesFile(folder)
    try:
        with messages:
            tell()
            results = execute(_partitions(iter(source), run, settings.batch_messages))
            try:
                for result in results:
                    messages.add(result.index, result.lines)
                    run.add(result)
                    tell()
            finally:
                if isinstance(results, Generator):
                    results.close()  # what it started (a cluster) stops now, not at exit
            messages.complete(run.partitions)
        tell()
        if not run.aggregate.total.messages:
            raise AuditError("nothing to audit: no incident could be read from "
                             + ", ".join(one_line(str(p)) for p in paths))
        document = run.aggregate.document()
        written = _write_outputs(folder, messages.partial, document, run.aggregate, title)
    except BaseException:
        messages.discard()
        if created:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only if still empty
        raise
    return AuditSummary(
        out_dir=str(folder), files=[str(f) for f in source.files],
        messages=run.aggregate.total.messages, incidents=run.aggregate.total.incidents,
        linted=run.linted, seconds=round(time.monotonic() - started, 3), errors=run.errors,
        error_count=run.error_count, outputs=written)


def _write_outputs(folder: Path, partial: Path, document: AggregatesDocument,
                   aggregate: AuditAggregate, title: str | None) -> list[str]:
    """Every output under a temporary name first, then renamed: a folder never holds a
    report that does not match its messages."""
    staged = {
        AGGREGATES_JSON: document.model_dump_json(indent=2) + "\n",
        AGGREGATES_CSV: aggregates_csv(document, aggregate.dimensions),
        REPORT_FILE: render_report(document, title=title),
    }
    temporary = []
    try:
        for name, text in staged.items():
            path = folder / f".{name}.partial"
            temporary.append(path)
            path.write_text(text, encoding="utf-8", newline="")
        os.replace(partial, folder / MESSAGES_FILE)
        for name in staged:
            os.replace(folder / f".{name}.partial", folder / name)
    except OSError as exc:
        for path in temporary:
            with contextlib.suppress(OSError):
                path.unlink()
        raise AuditError(f"{one_line(str(folder))}: cannot write the results: "
                         f"{exc.strerror or exc}") from None
    return [str(folder / name) for name in OUTPUT_FILES]


# --- aggregates.csv -------------------------------------------------------------------

_HIST_LABELS = [f"{10 * i:02d}_{10 * i + 9:02d}" for i in range(9)] + ["90_100"]


def _rates(rates: Sequence[Any]) -> str:
    return "; ".join(f"{r.rule}={r.per_100:g}" for r in rates)


def _cell(value: object) -> object:
    """A cell a spreadsheet will not run: a provider or file name from the data that
    starts like a formula (``=``, ``+``, ``-``, ``@``) gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def aggregates_csv(document: AggregatesDocument, dimensions: Sequence[str]) -> str:
    """One row for the total, one per group and one per value of each dimension on its
    own (``level``: ``total``, ``group`` or the dimension), with the figures of
    ``aggregates.json``: per kind the messages, mean, median and quartiles, the
    histogram and the share of each part; promises; first-response delay; the top
    rules per 100 messages as ``rule=rate; …``."""
    import io

    kinds = list(document.total.kinds)
    header = ["level", *dimensions, "messages", "incidents"]
    for kind in kinds:
        header += [f"{kind}_messages", f"{kind}_mean_score", f"{kind}_median_score",
                   f"{kind}_p25_score", f"{kind}_p75_score"]
        header += [f"{kind}_hist_{label}" for label in _HIST_LABELS]
        header += [f"{kind}_share_{part}" for part in ELEMENT_NAMES]
    header += ["promises", "broken_promises", "promise_kept_rate",
               "first_response_incidents", "first_response_median_min",
               "first_response_mean_min", "first_response_p90_min",
               "message_rules_per_100_top15", "thread_rules_per_100_top15"]

    def row(level: str, group: GroupSummary) -> list[object]:
        cells: list[object] = [level, *(_cell(group.key.get(d, "")) for d in dimensions),
                               group.messages, group.incidents]
        for kind in kinds:
            k = group.kinds.get(kind)
            if k is None:
                cells += [0, "", "", "", ""] + [0] * 10 + [""] * len(ELEMENT_NAMES)
                continue
            cells += [k.messages, k.mean_score, k.median_score, k.p25_score, k.p75_score]
            cells += k.histogram
            cells += [k.parts[p] for p in ELEMENT_NAMES]
        delay = group.first_response
        cells += [group.promises, group.broken_promises,
                  "" if group.promise_kept_rate is None else group.promise_kept_rate,
                  delay.incidents if delay else 0, delay.median_minutes if delay else "",
                  delay.mean_minutes if delay else "", delay.p90_minutes if delay else "",
                  _rates(group.message_rules), _rates(group.thread_rules)]
        return cells

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerow(row("total", document.total))
    for group in document.groups:
        writer.writerow(row("group", group))
    for dim, groups in document.by_dimension.items():
        if document.group_by == [dim]:
            continue  # the same rows as the groups
        for group in groups:
            writer.writerow(row(dim, group))
    return buffer.getvalue()
