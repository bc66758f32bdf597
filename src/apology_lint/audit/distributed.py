"""The audit on a Dask cluster: ``apology-lint audit … --dask`` or ``--scheduler ADDRESS``.

The client (this process) does what is cheap and must be done in order: it reads the
archive one incident at a time (``IncidentSource``, exactly as the single-process run
reads it, so its errors, ids and line numbers are the same), cuts it into partitions of
about ``batch_messages`` messages, writes the rows that come back in partition order and
merges the partial aggregates. The workers do what is dear: each runs the unchanged
``Linter`` through ``PartitionLinter``, the very code the single-process run calls.

Partitions are batches of whole incidents rather than byte ranges of the files: a record
without an id is named by its position in the file (``statuspages#812``), which a worker
starting in the middle of a file could not know without reading everything before it;
and a worker needs no access to the archive, only apology-lint. A partition is small
(about 128 messages, a second or two of linting), so the work is balanced to within a
partition, and only a few per worker thread are in flight: the client never holds more
than those, however large the archive.

Each worker process keeps one ``PartitionLinter`` per run (``_STATES``): the pipeline is
loaded once per process (``engine.default_linter``) and the cache of repeated texts is the
worker's own. The aggregates are integer counters, so merging them in whatever order the
partitions finish gives the single-process aggregate exactly.

Dask is imported only here and only when a run asks for it: apology-lint does not need
it otherwise.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import queue
import threading
import time
import uuid
import warnings
from collections import OrderedDict
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..errors import ApologyLintError, describe, one_line
from .models import AuditSummary, GroupDimension
from .run import (
    AuditError,
    AuditProgress,
    AuditSettings,
    Executor,
    Partition,
    PartitionLinter,
    PartitionResult,
    run_audit,
)

if TYPE_CHECKING:
    from collections.abc import Callable

# Dask's client objects are typed as Any here: distributed is only partly annotated and
# mypy --strict would reject every call into it.
DaskClient = Any
DaskFuture = Any

DEFAULT_WORKERS = 2
# Seconds to reach the scheduler (and to start a local cluster's workers' connection).
CONNECT_TIMEOUT = 10.0
# Seconds a run waits with partitions pending and not one worker in the cluster (an
# adaptive cluster scaling up from zero takes a while) before it gives up.
NO_WORKER_TIMEOUT = 60.0
INSTALL = "pip install 'dask[distributed]'"
# Partitions in flight per worker thread: one running, one queued behind it so a worker
# never waits for the client, and a spare for the one being written.
_IN_FLIGHT_PER_THREAD = 2
_POLL_SECONDS = 1.0


def require_dask() -> None:
    """``AuditError`` (one line) unless ``dask.distributed`` can be imported."""
    try:
        import distributed  # noqa: F401
    except Exception as exc:  # not installed, or installed broken
        raise AuditError(f"--dask and --scheduler need Dask, which cannot be imported "
                         f"({describe(exc)}): {INSTALL}") from None


# --- on a worker ----------------------------------------------------------------------

# One PartitionLinter per run (a fresh token per audit): its cache must not outlive the
# run, but the pipeline (default_linter) stays loaded in the process for the next one.
# Two runs are kept so two audits sharing a cluster do not throw each other's away.
_STATES: OrderedDict[str, PartitionLinter] = OrderedDict()
_KEEP_RUNS = 2
# A worker may run several threads; the cache is not thread-safe, and spaCy gains
# nothing from threads under the GIL, so a process lints one partition at a time.
_LOCK = threading.Lock()


def lint_partition(token: str, version: str, settings: AuditSettings,
                   partition: Partition) -> PartitionResult:
    """Lint one partition on a Dask worker (the task the client submits)."""
    if version != __version__:
        raise AuditError(f"this worker has apology-lint {__version__} and the client "
                         f"{version}: install the same version on every worker")
    with _LOCK:
        state = _STATES.get(token)
        if state is None:
            from ..engine import default_linter  # spaCy: loaded once per worker process

            state = PartitionLinter(default_linter(), settings)
            _STATES[token] = state
            while len(_STATES) > _KEEP_RUNS:
                _STATES.popitem(last=False)
        _STATES.move_to_end(token)
        return state(partition)


def worker_status() -> dict[str, Any]:
    """What a worker process holds, for ``client.run(worker_status)``: its apology-lint
    version and the partitions it linted in each run it keeps."""
    with _LOCK:
        return {"version": __version__,
                "partitions": {token: state.partitions for token, state in _STATES.items()},
                "linted": {token: state.linted for token, state in _STATES.items()}}


# --- on the client --------------------------------------------------------------------


@dataclass(frozen=True)
class _Cluster:
    """Where the partitions go: an existing scheduler, or a local cluster to start."""

    scheduler: str | None
    workers: int
    timeout: float

    def where(self) -> str:
        if self.scheduler is None:
            plural = "s" if self.workers != 1 else ""
            return f"a local Dask cluster of {self.workers} worker{plural}"
        return f"the Dask scheduler at {one_line(self.scheduler)}"


def audit_on_dask(paths: Sequence[str | os.PathLike[str]],
                  group_by: Sequence[GroupDimension] | str, out_dir: str | os.PathLike[str],
                  progress: Callable[[AuditProgress], None] | None = None,
                  *, scheduler: str | None = None, workers: int = DEFAULT_WORKERS,
                  timeout: float = CONNECT_TIMEOUT, force: bool = False,
                  on_error: Callable[[str], None] | None = None,
                  thread_params: dict[str, dict[str, Any]] | None = None,
                  cache_size: int = 20_000, batch_messages: int = 128,
                  title: str | None = None, dask_logs: bool = False) -> AuditSummary:
    """``audit`` with the partitions linted on a Dask cluster: the one at ``scheduler``
    (``"tcp://host:8786"``), or a local one of ``workers`` processes with one thread each,
    started for the run and closed after it. Same outputs, same aggregates.

    ``cache_size`` is per worker. ``AuditError`` (one line) when Dask is not installed,
    the scheduler cannot be reached within ``timeout`` seconds, a worker dies while
    linting (a local cluster does not retry: a partition that kills a worker would kill
    the next), or a worker fails. Dask's own log lines are off during the run unless
    ``dask_logs``."""
    settings = AuditSettings.of(group_by, thread_params, cache_size, batch_messages)
    if workers < 1 or timeout <= 0:
        raise ValueError("workers must be >= 1 and timeout > 0")
    require_dask()
    cluster = _Cluster(scheduler, workers, timeout)
    return run_audit(paths, settings, out_dir, _executor(settings, cluster, dask_logs),
                     progress, force=force, on_error=on_error, title=title)


def _executor(settings: AuditSettings, cluster: _Cluster, dask_logs: bool) -> Executor:
    def execute(partitions: Iterator[Partition]) -> Generator[PartitionResult, None, None]:
        # A generator: the cluster is reached when the run asks for the first result,
        # after the output folder is checked, and closed when the run ends either way;
        # and not at all when nothing could be read.
        first = next(partitions, None)
        if first is None:
            return
        hushed = contextlib.nullcontext() if dask_logs else _hushed()
        with hushed, _client(cluster) as client:
            yield from _gather(client, settings, itertools.chain([first], partitions),
                               cluster)

    return execute


@contextlib.contextmanager
def _hushed() -> Iterator[None]:
    """Dask's loggers quiet for the run: a restarted worker or a lost connection is
    reported as the audit's one error line, not as Dask's log lines around it."""
    names = ["distributed", *(n for n in logging.root.manager.loggerDict
                              if n.startswith("distributed."))]
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


@contextlib.contextmanager
def _client(cluster: _Cluster) -> Iterator[DaskClient]:
    import distributed

    dask: Any = distributed
    if cluster.scheduler is None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # e.g. about ports: not the user's problem
                local = dask.LocalCluster(
                    n_workers=cluster.workers, threads_per_worker=1, processes=True,
                    silence_logs=logging.CRITICAL, scheduler_kwargs={
                        # A worker that dies fails the run at once (one error line)
                        # instead of its partition being retried on the next worker,
                        # which it would kill too if it is what killed the first.
                        "allowed_failures": 0,
                        # No dashboard; the scheduler's HTTP server (health checks) on a
                        # free port, so a second run at the same time does not collide.
                        "dashboard": False, "dashboard_address": ":0"})
        except Exception as exc:
            raise AuditError(f"cannot start a local Dask cluster: {describe(exc)}") from None
        try:
            with dask.Client(local, set_as_default=False) as client:
                yield client
        finally:
            with contextlib.suppress(Exception):
                local.close(timeout=cluster.timeout)
        return
    try:
        with warnings.catch_warnings():
            # A mismatch of Dask versions is warned about in a table; a real problem
            # fails the run with one line.
            warnings.simplefilter("ignore")
            client = dask.Client(cluster.scheduler, timeout=cluster.timeout,
                                 set_as_default=False)
    except Exception as exc:
        _close_half_made(exc, dask.Client)
        reason = str(exc) if isinstance(exc, OSError) and str(exc) else describe(exc)
        raise AuditError(f"cannot reach the Dask scheduler at {one_line(cluster.scheduler)}: "
                         f"{one_line(reason)}") from None
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):
            client.close(timeout=cluster.timeout)


def _close_half_made(exc: BaseException, client_class: Any) -> None:
    """Close the client a failed ``Client(address)`` left behind. Dask closes it itself
    when the connection fails (OSError), not when the address is malformed or the peer is
    not a scheduler: then the half-made client is closed when it is collected, at exit,
    after a wait of twice the timeout and with a traceback on stderr. It is found in the
    constructor's frames, the only place it can be reached from."""
    tb = exc.__traceback__
    while tb is not None:
        made = tb.tb_frame.f_locals.get("self")
        if isinstance(made, client_class):
            with contextlib.suppress(Exception):
                made.close(timeout=1)
            return
        tb = tb.tb_next


def _gather(client: DaskClient, settings: AuditSettings, partitions: Iterator[Partition],
            cluster: _Cluster) -> Iterator[PartitionResult]:
    """Submit the partitions, a few per worker thread at a time, and yield each result
    as it finishes; submitting the next one reads the archive on."""
    from distributed import CancelledError, KilledWorker

    token = uuid.uuid4().hex
    try:
        threads = sum(client.nthreads().values())
    except Exception as exc:
        raise AuditError(f"lost {cluster.where()}: {describe(exc)}") from None
    window = max(_IN_FLIGHT_PER_THREAD * threads + 1, 3)
    finished: queue.SimpleQueue[DaskFuture] = queue.SimpleQueue()
    running: dict[Any, tuple[DaskFuture, Partition]] = {}
    watchdog = _Watchdog(client, cluster)

    def fill() -> None:
        while len(running) < window:
            partition = next(partitions, None)
            if partition is None:
                return
            future = client.submit(lint_partition, token, __version__, settings, partition,
                                   key=f"apology-lint-audit-{token}-{partition.index}",
                                   pure=False)
            running[future.key] = (future, partition)
            # Called from Dask's callback thread; the queue hands it to this one.
            future.add_done_callback(finished.put)

    try:
        fill()
        while running:
            try:
                future = finished.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                watchdog.check(bool(running))
                continue
            _, partition = running.pop(future.key)
            try:
                result: PartitionResult = future.result()
            except ApologyLintError as exc:
                raise AuditError(f"on a Dask worker: {one_line(str(exc))}") from None
            except KilledWorker:
                raise AuditError(f"a Dask worker died while linting {_name(partition)}; "
                                 "the audit is incomplete") from None
            except CancelledError:
                raise AuditError(f"lost {cluster.where()} while linting "
                                 f"{_name(partition)}") from None
            except Exception as exc:
                hint = (f" (every worker needs apology-lint {__version__} installed, with "
                        "its pipeline)" if isinstance(exc, ImportError) else "")
                raise AuditError(f"a Dask worker failed on {_name(partition)}: "
                                 f"{describe(exc)}{hint}") from None
            future.release()  # the worker may drop the result now
            yield result
            fill()
    finally:
        if running:
            with contextlib.suppress(Exception):
                client.cancel([f for f, _ in running.values()])


class _Watchdog:
    """What the run checks while it waits: a scheduler that went away, or a cluster left
    without a single worker, ends it with one line instead of a wait for ever."""

    def __init__(self, client: DaskClient, cluster: _Cluster) -> None:
        self.client = client
        self.cluster = cluster
        self.disconnected: float | None = None
        self.workerless: float | None = None

    def check(self, pending: bool) -> None:
        now = time.monotonic()
        if self.client.status != "running":
            self.disconnected = self.disconnected or now
            if now - self.disconnected > self.cluster.timeout:
                raise AuditError(f"lost {self.cluster.where()}: no connection for "
                                 f"{self.cluster.timeout:g} s")
            return
        self.disconnected = None
        try:
            try:
                info = self.client.scheduler_info(n_workers=1)  # one is enough to know
            except TypeError:  # an older distributed: no such argument, every worker
                info = self.client.scheduler_info()
        except Exception:
            return  # a disconnection shows in the status at the next check
        workers = info.get("workers") or {}
        if workers or not pending:
            self.workerless = None
            return
        self.workerless = self.workerless or now
        if now - self.workerless > max(NO_WORKER_TIMEOUT, self.cluster.timeout):
            raise AuditError(f"{self.cluster.where()} has had no worker for "
                             f"{NO_WORKER_TIMEOUT:g} s; the audit is incomplete")


def _name(partition: Partition) -> str:
    """A partition as a person can find it: its number and its first incident."""
    first = partition.incidents[0]
    line = f":{first.incident.line}" if first.incident.line else ""
    return (f"partition {partition.index + 1} ({len(partition.incidents)} incidents from "
            f"{one_line(first.file)}{line}, incident {one_line(first.incident.id)})")
