"""A lint run over many files: configuration per file, one linter per configuration,
batched parsing, optional worker processes, and the gates (fail level, minimum score).

The command line builds ``Options`` and renders what ``run`` returns; nothing here
prints except the progress line on a terminal.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import sys
import traceback
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
    jobs: int | None = None  # None: one process per 300 files, up to the CPU count
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


def _could_not_lint(name: str, exc: Exception) -> str:
    if debugging():
        raise exc
    return f"{name}: apology-lint could not lint this file ({describe(exc)}); please report it"


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


def _lint_chunk(targets: list[Target], options: Options,
                tick: Callable[[], None] = lambda: None, finder: Finder | None = None
                ) -> tuple[list[tuple[int, FileResult]], list[tuple[int, str]], list[RuleSpec]]:
    """Lint ``targets`` in one process: read each, group by configuration, batch-parse.
    A worker process builds its own ``finder``; the main process passes the one that
    found the files, so no configuration is read twice."""
    finder = finder or Finder(options.config, options.isolated)
    linters = LinterCache(options)
    results: list[tuple[int, FileResult]] = []
    errors: list[tuple[int, str]] = []
    groups: dict[int, tuple[Linter, Config, list[tuple[int, str, Document, Kind | None]]]] = {}
    for i, target in enumerate(targets):
        if target.error is not None:  # found while walking (a link out of the folder...)
            errors.append((i, target.error))
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
            errors.append((i, str(exc)))
            tick()
            continue
        except Exception as exc:  # a bug, on this file: the other files go on
            errors.append((i, _could_not_lint(name, exc)))
            tick()
            continue
        groups.setdefault(id(linter), (linter, config, []))[2].append((i, source, doc, kind))
    for linter, config, items in groups.values():
        # Archives repeat messages word for word: each distinct text (read the same way,
        # as the same kind) is linted once, and its report reused with the file's path.
        first: dict[tuple[str, str, str, str | None], int] = {}
        for n, (_, source, doc, kind) in enumerate(items):
            first.setdefault((source, doc.syntax, doc.markup, kind), n)
        unique = sorted(set(first.values()))
        jobs = [(items[n][2], items[n][3], None) for n in unique]
        linted = dict(zip(unique, _lint_each(linter, jobs, options.meta), strict=True))
        for i, source, doc, kind in items:
            name = _name(targets[i], options)
            outcome = linted[first[(source, doc.syntax, doc.markup, kind)]]
            if isinstance(outcome, Exception):
                errors.append((i, _could_not_lint(name, outcome)))
                tick()
                continue
            report = outcome.model_copy(update={"path": name})
            results.append((i, FileResult(
                name, source, report,
                options.fail_level or config.settings.fail_level,
                options.min_score if options.min_score is not None
                else config.settings.min_score)))
            tick()
    return results, errors, linters.rules()


def _chunks(targets: list[Target], n: int) -> Iterator[list[Target]]:
    size = -(-len(targets) // n)
    for start in range(0, len(targets), size):
        yield targets[start:start + size]


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


FILES_PER_WORKER = 300

_Outcome = tuple[list[tuple[int, FileResult]], list[tuple[int, str]], list[RuleSpec]]


def _worker(chunk: list[Target], options: Options, answer: Connection) -> None:
    """A worker process: lint ``chunk`` and send the outcome back. It ignores Ctrl-C: the
    parent handles it and terminates the workers, so an interrupted run stops at once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        message: tuple[str, object] = ("done", _lint_chunk(chunk, options))
    except ApologyLintError as exc:  # a configuration or pipeline error: the parent raises it
        message = ("error", exc)
    except Exception as exc:  # a bug: one line from the parent, not a traceback here
        # Sent as a message: the exception itself may not survive pickling.
        if debugging():
            traceback.print_exc()
        message = ("error", ApologyLintError(
            f"internal error in a --jobs worker ({describe(exc)}); please report it with "
            "the command you ran"))
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


def _lint_in_workers(chunks: list[list[Target]], options: Options, progress: _Progress
                     ) -> tuple[dict[int, _Outcome], str | None]:
    """Each chunk in a worker process of its own (each loads its own pipeline). Returns
    the outcomes received, by chunk, and an error if a worker died (killed, or by the
    out-of-memory killer): that is noticed at once, as the end of its pipe, and the run
    stops there with the reports it has, instead of waiting for an answer that will
    never come."""
    context = multiprocessing.get_context()
    workers: list[tuple[multiprocessing.process.BaseProcess, Connection]] = []
    outcomes: dict[int, _Outcome] = {}
    try:
        for chunk in chunks:
            receiver, sender = context.Pipe(duplex=False)
            worker = context.Process(target=_worker, args=(chunk, options, sender), daemon=True)
            worker.start()
            sender.close()  # only the worker holds its end now: the end closes when it dies
            workers.append((worker, receiver))
        waiting = {receiver: n for n, (_, receiver) in enumerate(workers)}
        while waiting:
            for ready in wait(list(waiting)):
                n = waiting.pop(ready)  # type: ignore[call-overload]
                try:
                    status, value = workers[n][1].recv()
                except (EOFError, OSError):
                    lost = sum(len(chunk) for m, chunk in enumerate(chunks) if m not in outcomes)
                    return outcomes, _died(workers[n][0], lost, sum(map(len, chunks)))
                if status == "error":
                    raise value
                outcomes[n] = value
                for _ in chunks[n]:
                    progress.tick()
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
    if options.jobs is None:
        # Each worker loads its own pipeline (a second or two): worth it for big runs.
        jobs = max(1, min(os.cpu_count() or 1, len(targets) // FILES_PER_WORKER))
    else:
        jobs = max(1, min(options.jobs, len(targets) // 10 or 1))
    if jobs == 1:
        outcomes = [_lint_chunk(targets, options, progress.tick, finder)]
    else:
        chunks = list(_chunks(targets, jobs))
        received, died = _lint_in_workers(chunks, options, progress)
        offsets = list(itertools.accumulate(map(len, chunks), initial=0))
        outcomes = [([(i + offsets[n], r) for i, r in results],
                     [(i + offsets[n], e) for i, e in errors], rules)
                    for n, (results, errors, rules) in sorted(received.items())]
        if died is not None:
            outcomes.append(([], [(len(targets), died)], []))
    progress.close()
    # Reports in path order, whatever the order of the arguments or the worker processes:
    # the same files give byte-identical output.
    results = sorted((r for o in outcomes for r in o[0]), key=lambda item: item[1].path)
    errors = sorted((e for o in outcomes for e in o[1]), key=lambda item: item[0])
    rules: dict[str, RuleSpec] = {}
    for outcome in outcomes:
        for rule in outcome[2]:
            rules.setdefault(rule.id, rule)
    return RunResult([r for _, r in results], [e for _, e in errors],
                     sorted(rules.values(), key=lambda r: r.id))
