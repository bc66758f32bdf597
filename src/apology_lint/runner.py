"""A lint run over many files: configuration per file, one linter per configuration,
batched parsing, optional worker processes, and the gates (fail level, minimum score).

The command line builds ``Options`` and renders what ``run`` returns; nothing here
prints except the progress line on a terminal.
"""

from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import os
import queue
import signal
import sys
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path, PurePath

from .config import Config, ConfigError, Finder, check_rule_ids
from .console import debugging
from .engine import Linter
from .errors import ApologyLintError, InputError, describe, suggest
from .files import Target, _name_problem, expand
from .models import SEVERITY_RANK, Kind, MessageMeta, Report, ScoreGateFailure, Severity
from .readers import Document, Syntax, read_document, syntax_for
from .ruledoc import load_reference
from .rulespec import RuleSpec
from .sources import read_source


@dataclass(frozen=True)
class Options:
    """What the command line asked for; ``None`` means "as the configuration says"."""

    paths: list[str]
    kind: Kind | None = None
    syntax: Syntax | None = None
    config: Path | None = None
    isolated: bool = False
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    fail_level: Severity | None = None
    min_score: int | None = None
    pipeline: str | None = None
    allow_acronyms: list[str] = field(default_factory=list)
    meta: MessageMeta = field(default_factory=MessageMeta)
    jobs: int | None = None  # None: a worker per 20 distinct texts, up to the CPU count
    force_exclude: bool = False
    progress: bool = False
    # The name standard input ("-") is reported as; its extension picks the syntax and
    # its path the configuration, as if it were that file.
    stdin_filename: str | None = None
    report_file: str | None = None  # where -o writes the report: never linted


@dataclass
class FileResult:
    path: str
    source: str
    report: Report
    fail_level: Severity
    min_score: int

    def below_min_score(self) -> ScoreGateFailure | None:
        """The minimum-score gate this file fails, if it does."""
        if self.report.score < self.min_score:
            return ScoreGateFailure(path=self.path, score=self.report.score,
                                    min_score=self.min_score)
        return None

    def fails(self) -> bool:
        threshold = SEVERITY_RANK[self.fail_level]
        return (any(SEVERITY_RANK[f.severity] >= threshold for f in self.report.findings)
                or self.below_min_score() is not None)


@dataclass
class RunResult:
    files: list[FileResult]
    errors: list[str]  # one line per file that could not be read
    rules: list[RuleSpec]  # every rule the run could report, for SARIF metadata


class LinterCache:
    """One ``Linter`` per distinct configuration (the pipeline itself is shared)."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self._cache: dict[tuple[object, ...], Linter] = {}

    def settings(self, config: Config) -> dict[str, object]:
        s, o = config.settings, self.options
        select = o.select if o.select is not None else s.select
        severity = {k: v for k, v in s.severity.items() if v != "off"}
        ignore = [*s.ignore, *o.ignore, *(k for k, v in s.severity.items() if v == "off")]
        lexicons = s.extend_lexicons()
        if o.allow_acronyms:
            lexicons.setdefault("acronym_allowlist", []).extend(o.allow_acronyms)
        return {
            "pipeline": o.pipeline or s.pipeline,
            "select": None if select is None else [*select, *s.extend_select, *o.extend_select],
            "ignore": ignore,
            "extend_lexicons": lexicons or None,
            "rule_packs": config.rule_pack_dirs(),
            "severity": severity,
        }

    def for_config(self, config: Config) -> Linter:
        chosen = self.settings(config)
        key = tuple(repr(v) for v in chosen.values())
        if key not in self._cache:
            # Ids are checked before the linter is built, against every rule it loads
            # (packs included): it rejects unknown ids too, but cannot name the file, the
            # line or the flag they came from.
            known = {rule.id for rule in load_reference(config.rule_pack_dirs())[0]}
            check_rule_ids(config, known)
            o = self.options
            for flag, ids in (("--select", o.select or []), ("--extend-select", o.extend_select),
                              ("--ignore", o.ignore)):
                unknown = [i for i in ids if i not in known]
                if unknown:
                    raise ConfigError(f"{flag}: unknown rule id '{unknown[0]}'"
                                      f"{suggest(unknown[0], known)}; "
                                      "apology-lint --list-rules lists them")
            kwargs = {k: v for k, v in chosen.items() if v is not None}
            self._cache[key] = Linter(**kwargs)  # type: ignore[arg-type]
        return self._cache[key]

    def rules(self) -> list[RuleSpec]:
        seen: dict[str, RuleSpec] = {}
        for linter in self._cache.values():
            for rule in linter.rules:
                seen.setdefault(rule.id, rule)
        return sorted(seen.values(), key=lambda r: r.id)


def _name(target: Target, options: Options) -> str:
    """The path a file is reported as (standard input: ``--stdin-filename`` or "-")."""
    return options.stdin_filename or "-" if target.path == "-" else target.path


def _could_not_lint(name: str, exc: Exception | str) -> str:
    """One line for a file whose lint raised (``exc``, or its description from a worker)."""
    if debugging() and isinstance(exc, Exception):
        raise exc
    what = exc if isinstance(exc, str) else describe(exc)
    return f"{name}: apology-lint could not lint this file ({what}); please report it"


def _lint_each(linter: Linter, jobs: list[tuple[Document, Kind | None, None]],
               meta: MessageMeta) -> list[Report | Exception]:
    """Each job's report, or the exception linting it raised. Documents are parsed in
    batches, so one that raises takes its batch down with it: the documents not yet
    reported are then linted one at a time until the one that raises is found, and
    batching resumes after it. Only the file that fails is lost."""
    done: list[Report | Exception] = []
    while len(done) < len(jobs):
        try:
            for report in linter.lint_documents(jobs[len(done):], meta):
                done.append(report)  # kept if a later batch raises
        except Exception:  # which document raised is found below, one at a time
            while len(done) < len(jobs):
                doc, kind, path = jobs[len(done)]
                try:
                    done.append(linter.lint_document(doc, kind, path, meta))
                except Exception as exc:  # reported as this file's error
                    done.append(exc)
                    break
    return done


class _Progress:
    """``apology-lint: 120/800 files`` on standard error, on a terminal, for long runs."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.done = total, 0
        self.enabled = enabled and total >= 20

    def tick(self) -> None:
        self.done += 1
        if self.enabled and (self.done % 5 == 0 or self.done == self.total):
            sys.stderr.write(f"\rapology-lint: {self.done}/{self.total} files")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 40 + "\r")


# --- the run, streamed --------------------------------------------------------------------
#
# Files are linted and reported in path order, a window at a time, so memory stays flat
# whatever the size of the archive: a file's source is held from when it is read until
# its report is written, and a report only until the last file with the same text has
# been written. Archives repeat messages word for word, so each distinct text (read the
# same way, as the same kind, under the same configuration) is linted once: a first pass
# reads every file and notes where each text is last used.

_WINDOW = 256  # files read ahead of the next one to report
# Distinct texts parsed as one batch (in a worker: sent as one message). spaCy's models
# spend less per text in larger batches: 64 texts cost about a tenth less than 16, and
# two workers' two chunks each still fit in the window.
_CHUNK = 64

# What a file is linted as: its linter, syntax, name suffixes (``.html.j2`` is read as
# HTML), kind, and a digest of its text.
_Key = tuple[int, str, str, str | None, bytes]
_Outcome = Report | Exception | str  # a report, or why linting failed


@dataclass
class _Planned:
    """A file to report, from the first pass."""

    target: Target
    name: str
    config: Config | None
    linter: int  # in ``Stream.linters``
    kind: Kind | None
    error: str | None = None  # reported instead


@dataclass
class _Read:
    """A file read ahead of its report: its source and what it is linted as, or why it
    cannot be."""

    source: str = ""
    key: _Key | None = None
    error: str | None = None


def _key(linter: int, name: str, kind: Kind | None, syntax: str, source: str) -> _Key:
    digest = hashlib.blake2b(source.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    return (linter, syntax, "".join(PurePath(name).suffixes).lower(), kind, digest)


def _lint_chunk(linters: list[Linter], chunk: list[tuple[int, int, Document, Kind | None]],
                meta: MessageMeta) -> Iterator[tuple[int, Report | Exception]]:
    """Each job of ``chunk`` (``(id, linter, document, kind)``), batch-parsed by linter."""
    by_linter: dict[int, list[tuple[int, int, Document, Kind | None]]] = {}
    for job in chunk:
        by_linter.setdefault(job[1], []).append(job)
    for linter, group in by_linter.items():
        outcomes = _lint_each(linters[linter], [(doc, kind, None) for _, _, doc, kind in group],
                              meta)
        yield from zip((job[0] for job in group), outcomes, strict=True)


# Waiting for a report nothing is making would wait for ever: a bug, said at once.
_NOTHING_ASKED = ("internal error: waiting for a report nothing was asked for; please report "
                  "it with the command you ran")


class _InProcess:
    """Lints each chunk as it is given, in this process."""

    def __init__(self, linters: list[Linter], meta: MessageMeta) -> None:
        self.linters, self.meta = linters, meta
        self.done: list[tuple[int, _Outcome]] = []

    def idle(self) -> bool:
        return True

    def submit(self, chunk: list[tuple[int, int, Document, Kind | None]]) -> None:
        self.done.extend(_lint_chunk(self.linters, chunk, self.meta))

    def receive(self, block: bool) -> list[tuple[int, _Outcome]]:
        if block and not self.done:
            raise ApologyLintError(_NOTHING_ASKED)
        done, self.done = self.done, []
        return done

    def close(self) -> None:
        pass


class Stream:
    """A lint run: iterating gives each file's result, or its error line, in path order.

    The files are found, and every configuration and linter built, on creation (so a
    configuration error comes before any report); the files are read and linted as the
    iteration goes."""

    def __init__(self, options: Options) -> None:
        self.options = options
        finder = Finder(options.config, options.isolated)
        targets = list(expand(options.paths, finder, options.force_exclude))
        if options.report_file is not None:
            # The report being written is never linted: a folder run with -o inside it
            # would read the previous run's report, and -o naming an input would
            # overwrite it.
            report = os.path.realpath(options.report_file)
            for t in targets:
                if t.explicit and t.path != "-" and os.path.realpath(t.path) == report:
                    raise InputError(f"{t.path}: is both a file to lint and the report file "
                                     "(-o); write the report somewhere else")
            targets = [t for t in targets
                       if t.path == "-" or os.path.realpath(t.path) != report]
        # Reports in path order, whatever the order of the arguments or the workers: the
        # same files give byte-identical output.
        self.targets = sorted(targets, key=lambda t: _name(t, options))
        self._cache = LinterCache(options)
        self.linters: list[Linter] = []
        self._linter_of: dict[int, int] = {}  # id of a Config (kept alive by the plan) → linter
        self._stdin: str | InputError | None = None  # standard input can be read once only
        self._planned = [self._configure(t, finder) for t in self.targets]
        self.rules = self._cache.rules()

    def _configure(self, target: Target, finder: Finder) -> _Planned:
        name = _name(target, self.options)
        if target.error is not None:  # found while walking (a link out of the folder...)
            return _Planned(target, name, None, -1, None, target.error)
        config = finder.for_file(Path(name if name != "-" else "stdin"))
        if id(config) not in self._linter_of:  # the finder gives a folder's files one Config
            linter = self._cache.for_config(config)
            if linter not in self.linters:
                self.linters.append(linter)
            self._linter_of[id(config)] = self.linters.index(linter)
        kind = self.options.kind or (config.kind_for(Path(name)) if name != "-" else None)
        return _Planned(target, name, config, self._linter_of[id(config)], kind)

    def _source(self, planned: _Planned) -> str:
        options, target = self.options, planned.target
        if target.path != "-":
            return read_source(target.path, latin1_fallback=self._syntax(planned) == "eml").text
        if self._stdin is None:
            try:
                if options.stdin_filename:
                    # Named as a walked file would be, so the same rules apply to the name.
                    problem = _name_problem(options.stdin_filename)
                    if problem is not None:
                        raise InputError(f"--stdin-filename {problem}")
                self._stdin = read_source("-", latin1_fallback=self._syntax(planned) == "eml",
                                          stdin_name=planned.name).text
            except InputError as exc:
                self._stdin = exc
        if isinstance(self._stdin, InputError):
            raise self._stdin
        return self._stdin

    def _syntax(self, planned: _Planned) -> Syntax:
        return self.options.syntax or syntax_for(planned.name)

    def _read(self, planned: _Planned, document: bool) -> tuple[_Read, Document | None]:
        """The file read (with its template or markup, if ``document``), or its error."""
        if planned.error is not None:
            return _Read(error=planned.error), None
        try:
            source = self._source(planned)
            doc = read_document(source, self._syntax(planned), planned.name) if document else None
        except InputError as exc:
            return _Read(error=str(exc)), None
        except Exception as exc:  # a bug, on this file: the other files go on
            return _Read(error=_could_not_lint(planned.name, exc)), None
        key = _key(planned.linter, planned.name, planned.kind, self._syntax(planned), source)
        return _Read(source, key), doc

    def _last_uses(self) -> dict[_Key, int]:
        """The first pass: where each distinct text is last used. A file that cannot be
        read now is read again in its turn, to report its error there."""
        last: dict[_Key, int] = {}
        for i, planned in enumerate(self._planned):
            read, _ = self._read(planned, document=False)
            if read.key is not None:
                last[read.key] = i
        return last

    def _workers_for(self, distinct: int) -> int:
        """How many worker processes to use for ``distinct`` texts."""
        if self.options.jobs is None:
            return min(os.cpu_count() or 1, distinct // JOBS_PER_WORKER)
        return min(self.options.jobs, distinct)

    def __iter__(self) -> Iterator[FileResult | str]:
        progress = _Progress(len(self._planned), self.options.progress)
        last = self._last_uses()
        jobs = self._workers_for(len(last))
        executor: _InProcess | _Workers = (
            _Workers(self.linters, self.options.meta, jobs) if jobs > 1 and can_fork()
            else _InProcess(self.linters, self.options.meta))
        ready: dict[_Key, _Outcome] = {}  # reports not yet written for the last time
        asked: dict[int, _Key] = {}  # job id → its text, sent and not yet answered
        waiting: set[_Key] = set()  # the texts of ``asked``
        ids = itertools.count()
        chunk: list[tuple[int, int, Document, Kind | None]] = []
        ahead: dict[int, _Read] = {}
        planned, fed = self._planned, 0

        def feed() -> None:  # read the next file, and ask for its text to be linted if new
            nonlocal fed, chunk
            read, doc = self._read(planned[fed], document=True)
            ahead[fed] = read
            if read.key is not None:
                last[read.key] = max(last.get(read.key, fed), fed)
                if read.key not in ready and read.key not in waiting and doc is not None:
                    job = next(ids)
                    asked[job] = read.key
                    waiting.add(read.key)
                    chunk.append((job, planned[fed].linter, doc, planned[fed].kind))
            fed += 1
            if len(chunk) == _CHUNK:
                executor.submit(chunk)
                chunk = []

        def answered(block: bool) -> None:
            for job, outcome in executor.receive(block):
                key = asked.pop(job)
                waiting.discard(key)
                ready[key] = outcome

        try:
            for i, file in enumerate(planned):
                while True:
                    answered(block=False)
                    read = ahead.get(i)
                    if read is not None and (read.key is None or read.key in ready):
                        break
                    if fed < len(planned) and fed - i < _WINDOW and executor.idle():
                        feed()
                    elif chunk:
                        executor.submit(chunk)
                        chunk = []
                    else:
                        answered(block=True)
                del ahead[i]
                progress.tick()
                yield self._result(file, read, ready)
                if read.key is not None and last.get(read.key, i) <= i:
                    del ready[read.key]
        except _WorkerDied as died:
            lost = len(planned) - progress.done
            yield died.message(lost, len(planned))
        finally:  # done, a worker died, or Ctrl-C: no worker outlives the run
            executor.close()
            progress.close()

    def _result(self, file: _Planned, read: _Read, ready: dict[_Key, _Outcome]
                ) -> FileResult | str:
        if read.key is None:
            return read.error or ""
        outcome = ready[read.key]
        if not isinstance(outcome, Report):
            return _could_not_lint(file.name, outcome)
        assert file.config is not None
        settings, o = file.config.settings, self.options
        return FileResult(file.name, read.source, outcome.model_copy(update={"path": file.name}),
                          o.fail_level or settings.fail_level,
                          o.min_score if o.min_score is not None else settings.min_score)


# --- worker processes --------------------------------------------------------------------
#
# The pipeline and rules are loaded once, here, and the workers are forked from this
# process, so they share them (copy-on-write) instead of each loading its own. The run
# sends each worker chunks of distinct texts, keeping every worker two chunks ahead, and
# each sends back the reports of a chunk once it is done. Where fork is not available,
# the run stays in one process.

JOBS_PER_WORKER = 20  # below this, a worker costs more than it saves
_QUEUED = 2  # chunks sent to a worker and not yet answered
_WARM_UP = "We are sorry: our export failed for two hours. We fixed it at 10:40 UTC."


def can_fork() -> bool:
    """Fork is safe here (Linux and the BSDs; not macOS, whose system libraries do not
    survive it, nor Windows, which has none)."""
    return "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"


def _worker(linters: list[Linter], meta: MessageMeta, jobs: Connection,
            answers: Connection) -> None:
    """A forked worker: lint each chunk it is sent and send back the outcomes, an
    exception as its one-line description (it may not survive pickling). A thread takes
    the chunks as they come, so the run never waits to send one while this worker waits
    to send its answer. It ignores Ctrl-C: the run handles it and ends the workers."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    inbox: queue.SimpleQueue[list[tuple[int, int, Document, Kind | None]] | None] = (
        queue.SimpleQueue())

    def take() -> None:
        try:
            while (chunk := jobs.recv()) is not None:
                inbox.put(chunk)
        except (EOFError, OSError):  # the run has gone
            pass
        inbox.put(None)

    threading.Thread(target=take, daemon=True).start()
    try:
        while (chunk := inbox.get()) is not None:
            done: list[tuple[int, Report | str]] = []
            for j, outcome in _lint_chunk(linters, chunk, meta):
                if isinstance(outcome, Exception) and debugging():
                    traceback.print_exception(outcome)
                done.append((j, outcome if isinstance(outcome, Report) else describe(outcome)))
            answers.send(("done", done))
    except Exception as exc:  # a bug: one line from the run, not a traceback here
        if debugging():
            traceback.print_exc()
        answers.send(("error", f"internal error in a --jobs worker ({describe(exc)}); "
                      "please report it with the command you ran"))
    answers.close()


class _WorkerDied(Exception):
    """A worker was killed (by hand, or by the out-of-memory killer): noticed at once, as
    the end of its pipe, so the run stops with the reports it has instead of waiting for
    an answer that will never come."""

    def __init__(self, process: multiprocessing.process.BaseProcess) -> None:
        process.join(5)  # it has closed its pipe: it is gone, or about to be
        self.code = process.exitcode

    def message(self, lost: int, total: int) -> str:
        code = self.code
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:  # a signal without a name (real-time)
                name = f"signal {-code}"
            how = f"killed by {name}, by hand or for lack of memory"
        else:
            how = "it stopped answering" if code is None else f"exit code {code}"
        return (f"a --jobs worker process died ({how}), so {lost} of {total} files were not "
                "linted; run again, with fewer --jobs if memory is short")


@dataclass
class _Process:
    process: multiprocessing.process.BaseProcess
    jobs: Connection
    answers: Connection
    queued: int = 0


class _Workers:
    """``n`` forked workers, each sent chunks as it has room for them."""

    def __init__(self, linters: list[Linter], meta: MessageMeta, n: int) -> None:
        for linter in linters:
            linter.lint(_WARM_UP)  # loads what is loaded on first use, once, before the fork
        context = multiprocessing.get_context("fork")
        self.workers: list[_Process] = []
        try:
            for _ in range(n):
                jobs_out, jobs_in = context.Pipe(duplex=False)
                answers_out, answers_in = context.Pipe(duplex=False)
                process = context.Process(target=_worker,
                                          args=(linters, meta, jobs_out, answers_in),
                                          daemon=True)
                process.start()
                # Only the worker holds these ends now: its answers end closes when it dies.
                jobs_out.close()
                answers_in.close()
                self.workers.append(_Process(process, jobs_in, answers_out))
        except BaseException:
            self.close()
            raise

    def idle(self) -> bool:
        return any(w.queued < _QUEUED for w in self.workers)

    def submit(self, chunk: list[tuple[int, int, Document, Kind | None]]) -> None:
        worker = min(self.workers, key=lambda w: w.queued)
        worker.jobs.send(chunk)
        worker.queued += 1

    def receive(self, block: bool) -> list[tuple[int, _Outcome]]:
        by_end = {w.answers: w for w in self.workers if w.queued}
        if block and not by_end:  # nothing would ever answer
            raise ApologyLintError(_NOTHING_ASKED)
        done: list[tuple[int, _Outcome]] = []
        for end in wait(list(by_end), None if block else 0):
            worker = by_end[end]  # type: ignore[index]
            try:
                status, value = worker.answers.recv()
            except (EOFError, OSError):
                raise _WorkerDied(worker.process) from None
            if status == "error":
                raise ApologyLintError(value)
            worker.queued -= 1
            done.extend(value)
        return done

    def close(self) -> None:
        for w in self.workers:
            if w.process.is_alive():
                w.process.terminate()
            w.jobs.close()
            w.answers.close()
        for w in self.workers:
            w.process.join()


def run(options: Options) -> RunResult:
    """A whole run's results, kept (``--fix``, and the formats that need every report
    before they write anything)."""
    stream = Stream(options)
    files: list[FileResult] = []
    errors: list[str] = []
    for item in stream:
        if isinstance(item, str):
            errors.append(item)
        else:
            files.append(item)
    return RunResult(files, errors, stream.rules)
