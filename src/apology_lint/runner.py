"""A lint run over many files: configuration per file, one linter per configuration,
batched parsing, optional worker processes, and the gates (fail level, minimum score).

The command line builds ``Options`` and renders what ``run`` returns; nothing here
prints except the progress line on a terminal.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path

from .config import Config, ConfigError, Finder, check_rule_ids
from .console import debugging
from .engine import Linter
from .errors import ApologyLintError, InputError, describe, suggest
from .files import Target, _name_problem, expand
from .models import SEVERITY_RANK, Kind, MessageMeta, Report, Severity
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

    def fails(self) -> bool:
        threshold = SEVERITY_RANK[self.fail_level]
        return (any(SEVERITY_RANK[f.severity] >= threshold for f in self.report.findings)
                or self.report.score < self.min_score)


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


def _read(target: Target, options: Options) -> tuple[str, Document]:
    syntax = options.syntax or syntax_for(_name(target, options))
    name = _name(target, options)
    source = read_source(target.path, latin1_fallback=syntax == "eml", stdin_name=name)
    return source.text, read_document(source.text, syntax, name)


@dataclass
class _File:
    """A file read and waiting for its report: the ``job`` that lints its text."""

    index: int  # in the run's targets
    name: str
    source: str
    config: Config
    job: int


@dataclass
class _Job:
    """One distinct text to lint: archives repeat messages word for word, so each text
    (read the same way, as the same kind, under the same configuration) is linted once
    and its report reused with each file's path."""

    linter: Linter
    doc: Document
    kind: Kind | None
    size: int  # characters, to balance the workers


@dataclass
class _Prepared:
    files: list[_File] = field(default_factory=list)
    jobs: list[_Job] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def _prepare(targets: list[Target], options: Options, finder: Finder, linters: LinterCache,
             tick: Callable[[], None]) -> _Prepared:
    """Read every file, find its configuration and linter, and make one job per distinct
    text. Everything is loaded here, before any worker starts."""
    out = _Prepared()
    first: dict[tuple[int, str, str, str, str | None], int] = {}
    for i, target in enumerate(targets):
        if target.error is not None:  # found while walking (a link out of the folder...)
            out.errors.append((i, target.error))
            tick()
            continue
        name = _name(target, options)
        config = finder.for_file(Path(name if name != "-" else "stdin"))
        linter = linters.for_config(config)
        try:
            if target.path == "-" and options.stdin_filename:
                # Named as a walked file would be, so the same rules apply to the name.
                problem = _name_problem(options.stdin_filename)
                if problem is not None:
                    raise InputError(f"--stdin-filename {problem}")
            source, doc = _read(target, options)
            kind = options.kind or (config.kind_for(Path(name)) if name != "-" else None)
        except InputError as exc:
            out.errors.append((i, str(exc)))
            tick()
            continue
        except Exception as exc:  # a bug, on this file: the other files go on
            out.errors.append((i, _could_not_lint(name, exc)))
            tick()
            continue
        key = (id(linter), source, doc.syntax, doc.markup, kind)
        if key not in first:
            first[key] = len(out.jobs)
            out.jobs.append(_Job(linter, doc, kind, len(source)))
        out.files.append(_File(i, name, source, config, first[key]))
    return out


def _lint_jobs(jobs: list[_Job], which: list[int], meta: MessageMeta
               ) -> Iterator[tuple[int, Report | Exception]]:
    """The jobs ``which`` (indices into ``jobs``), batch-parsed by linter."""
    by_linter: dict[int, list[int]] = {}
    for j in which:
        by_linter.setdefault(id(jobs[j].linter), []).append(j)
    for group in by_linter.values():
        linter = jobs[group[0]].linter
        outcomes = _lint_each(linter, [(jobs[j].doc, jobs[j].kind, None) for j in group], meta)
        yield from zip(group, outcomes, strict=True)


def _reports(prepared: _Prepared, outcomes: dict[int, Report | Exception | str],
             options: Options) -> tuple[list[tuple[int, FileResult]], list[tuple[int, str]]]:
    """Each file's report (its job's, with the file's path), or its error."""
    results: list[tuple[int, FileResult]] = []
    errors = list(prepared.errors)
    for file in prepared.files:
        outcome = outcomes.get(file.job)
        if outcome is None:  # its worker died: the run's error says how many were lost
            continue
        if not isinstance(outcome, Report):
            errors.append((file.index, _could_not_lint(file.name, outcome)))
            continue
        report = outcome.model_copy(update={"path": file.name})
        settings = file.config.settings
        results.append((file.index, FileResult(
            file.name, file.source, report,
            options.fail_level or settings.fail_level,
            options.min_score if options.min_score is not None else settings.min_score)))
    return results, errors


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


# --- worker processes --------------------------------------------------------------------
#
# The pipeline and rules are loaded once, here, and the workers are forked from this
# process, so they share them (copy-on-write) instead of each loading its own. Each gets
# a slice of the distinct texts balanced by length and sends its reports back in small
# batches as they are done. Where fork is not available, the run stays in one process.

JOBS_PER_WORKER = 20  # below this, a worker costs more than it saves
_BATCH = 32  # reports per message from a worker
_WARM_UP = "We are sorry: our export failed for two hours. We fixed it at 10:40 UTC."


def can_fork() -> bool:
    """Fork is safe here (Linux and the BSDs; not macOS, whose system libraries do not
    survive it, nor Windows, which has none)."""
    return "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"


def _slices(jobs: list[_Job], n: int) -> list[list[int]]:
    """The jobs in ``n`` slices of about the same total length (longest first, each to the
    slice with least so far), each in job order."""
    slices: list[list[int]] = [[] for _ in range(n)]
    load = [0] * n
    for j in sorted(range(len(jobs)), key=lambda j: -jobs[j].size):
        least = load.index(min(load))
        slices[least].append(j)
        load[least] += jobs[j].size + 1
    return [sorted(s) for s in slices if s]


def _worker(jobs: list[_Job], which: list[int], meta: MessageMeta, answer: Connection) -> None:
    """A forked worker: lint the jobs ``which`` and send the outcomes back in batches, an
    exception as its one-line description (it may not survive pickling). It ignores
    Ctrl-C: the parent handles it and terminates the workers."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        batch: list[tuple[int, Report | str]] = []
        for j, outcome in _lint_jobs(jobs, which, meta):
            if isinstance(outcome, Exception) and debugging():
                traceback.print_exception(outcome)
            batch.append((j, outcome if isinstance(outcome, Report) else describe(outcome)))
            if len(batch) == _BATCH:
                answer.send(("some", batch))
                batch = []
        message: tuple[str, object] = ("done", batch)
    except Exception as exc:  # a bug: one line from the parent, not a traceback here
        if debugging():
            traceback.print_exc()
        message = ("error", f"internal error in a --jobs worker ({describe(exc)}); please "
                   "report it with the command you ran")
    answer.send(message)
    answer.close()


def _died(process: multiprocessing.process.BaseProcess, lost: int, total: int) -> str:
    process.join(5)  # it has closed its pipe: it is gone, or about to be
    code = process.exitcode
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


def _lint_in_workers(prepared: _Prepared, slices: list[list[int]], meta: MessageMeta,
                     done: Callable[[int], None]) -> tuple[dict[int, Report | str], str | None]:
    """Each slice in a forked worker. Returns the outcomes received, by job, and an error
    if a worker died (killed, or by the out-of-memory killer): that is noticed at once,
    as the end of its pipe, and the run stops there with the reports it has, instead of
    waiting for an answer that will never come."""
    for linter in {id(job.linter): job.linter for job in prepared.jobs}.values():
        linter.lint(_WARM_UP)  # loads what is loaded on first use, once, before the fork
    context = multiprocessing.get_context("fork")
    workers: list[tuple[multiprocessing.process.BaseProcess, Connection]] = []
    outcomes: dict[int, Report | str] = {}
    try:
        for which in slices:
            receiver, sender = context.Pipe(duplex=False)
            worker = context.Process(target=_worker, args=(prepared.jobs, which, meta, sender),
                                     daemon=True)
            worker.start()
            sender.close()  # only the worker holds its end now: the end closes when it dies
            workers.append((worker, receiver))
        waiting = {receiver: n for n, (_, receiver) in enumerate(workers)}
        while waiting:
            for ready in wait(list(waiting)):
                n = waiting[ready]  # type: ignore[index]
                try:
                    status, value = workers[n][1].recv()
                except (EOFError, OSError):
                    lost = sum(1 for f in prepared.files if f.job not in outcomes)
                    return outcomes, _died(workers[n][0], lost, len(prepared.files))
                if status == "error":
                    raise ApologyLintError(value)
                for j, outcome in value:
                    outcomes[j] = outcome
                    done(j)
                if status == "done":
                    del waiting[ready]  # type: ignore[arg-type]
        return outcomes, None
    finally:  # done, a worker died, or Ctrl-C: no worker outlives the run
        for process, receiver in workers:
            if process.is_alive():
                process.terminate()
            receiver.close()
        for process, _ in workers:
            process.join()


def run(options: Options) -> RunResult:
    finder = Finder(options.config, options.isolated)
    targets = list(expand(options.paths, finder, options.force_exclude))
    if options.report_file is not None:
        # The report being written is never linted: a folder run with -o inside it would
        # read the previous run's report, and -o naming an input would overwrite it.
        report = os.path.realpath(options.report_file)
        for t in targets:
            if t.explicit and t.path != "-" and os.path.realpath(t.path) == report:
                raise InputError(f"{t.path}: is both a file to lint and the report file "
                                 "(-o); write the report somewhere else")
        targets = [t for t in targets if t.path == "-" or os.path.realpath(t.path) != report]
    progress = _Progress(len(targets), options.progress)
    linters = LinterCache(options)
    prepared = _prepare(targets, options, finder, linters, progress.tick)
    if options.jobs is None:
        jobs = min(os.cpu_count() or 1, len(prepared.jobs) // JOBS_PER_WORKER)
    else:
        jobs = min(options.jobs, len(prepared.jobs))
    files_of = Counter(file.job for file in prepared.files)

    def done(job: int) -> None:  # the progress line counts files
        for _ in range(files_of[job]):
            progress.tick()

    died = None
    outcomes: dict[int, Report | Exception | str] = {}
    if jobs > 1 and can_fork():
        received, died = _lint_in_workers(prepared, _slices(prepared.jobs, jobs),
                                          options.meta, done)
        outcomes.update(received)
    else:
        for j, outcome in _lint_jobs(prepared.jobs, list(range(len(prepared.jobs))),
                                     options.meta):
            outcomes[j] = outcome
            done(j)
    results, errors = _reports(prepared, outcomes, options)
    if died is not None:
        errors.append((len(targets), died))
    progress.close()
    # Reports in path order, whatever the order of the arguments or the worker processes:
    # the same files give byte-identical output.
    results.sort(key=lambda item: item[1].path)
    errors.sort(key=lambda item: item[0])
    return RunResult([r for _, r in results], [e for _, e in errors], linters.rules())
