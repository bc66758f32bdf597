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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config, ConfigError, Finder, check_rule_ids
from .engine import Linter
from .errors import InputError, suggest
from .files import Target, expand
from .models import SEVERITY_RANK, Kind, MessageMeta, Report, Severity
from .readers import Document, Syntax, read_document, syntax_for
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


class _Linters:
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
            kwargs = {k: v for k, v in chosen.items() if v is not None}
            linter = Linter(**kwargs)  # type: ignore[arg-type]
            # Ids are checked against the rules the linter loaded (packs included).
            known = linter.known_rules
            check_rule_ids(config, known)
            o = self.options
            for flag, ids in (("--select", o.select or []), ("--extend-select", o.extend_select),
                              ("--ignore", o.ignore)):
                unknown = [i for i in ids if i not in known]
                if unknown:
                    raise ConfigError(f"{flag}: unknown rule id '{unknown[0]}'"
                                      f"{suggest(unknown[0], known)}; "
                                      "apology-lint --list-rules lists them")
            self._cache[key] = linter
        return self._cache[key]

    def rules(self) -> list[RuleSpec]:
        seen: dict[str, RuleSpec] = {}
        for linter in self._cache.values():
            for rule in linter.rules:
                seen.setdefault(rule.id, rule)
        return sorted(seen.values(), key=lambda r: r.id)


def _read(target: Target, options: Options) -> tuple[str, Document]:
    syntax = options.syntax or syntax_for(target.path)
    source = read_source(target.path, latin1_fallback=syntax == "eml")
    return source.text, read_document(source.text, syntax, target.path)


def _lint_chunk(targets: list[Target], options: Options,
                tick: Callable[[], None] = lambda: None, finder: Finder | None = None
                ) -> tuple[list[tuple[int, FileResult]], list[tuple[int, str]], list[RuleSpec]]:
    """Lint ``targets`` in one process: read each, group by configuration, batch-parse.
    A worker process builds its own ``finder``; the main process passes the one that
    found the files, so no configuration is read twice."""
    finder = finder or Finder(options.config, options.isolated)
    linters = _Linters(options)
    results: list[tuple[int, FileResult]] = []
    errors: list[tuple[int, str]] = []
    groups: dict[int, tuple[Linter, Config, list[tuple[int, str, Document, Kind | None]]]] = {}
    for i, target in enumerate(targets):
        config = finder.for_file(Path(target.path if target.path != "-" else "stdin"))
        linter = linters.for_config(config)
        try:
            source, doc = _read(target, options)
        except InputError as exc:
            errors.append((i, str(exc)))
            tick()
            continue
        kind = options.kind or (config.kind_for(Path(target.path)) if target.path != "-"
                                else None)
        groups.setdefault(id(linter), (linter, config, []))[2].append((i, source, doc, kind))
    for linter, config, items in groups.values():
        # Archives repeat messages word for word: each distinct text (read the same way,
        # as the same kind) is linted once, and its report reused with the file's path.
        first: dict[tuple[str, str, str, str | None], int] = {}
        for n, (_, source, doc, kind) in enumerate(items):
            first.setdefault((source, doc.syntax, doc.markup, kind), n)
        unique = sorted(set(first.values()))
        jobs = ((items[n][2], items[n][3], None) for n in unique)
        linted = dict(zip(unique, linter.lint_documents(jobs, options.meta), strict=True))
        for i, source, doc, kind in items:
            report = linted[first[(source, doc.syntax, doc.markup, kind)]].model_copy(
                update={"path": targets[i].path})
            results.append((i, FileResult(
                targets[i].path, source, report,
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
_ONE_DAY = 86_400.0  # a wait with a timeout lets Ctrl-C through to the parent


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run(options: Options) -> RunResult:
    finder = Finder(options.config, options.isolated)
    targets = list(expand(options.paths, finder, options.force_exclude))
    progress = _Progress(len(targets), options.progress)
    if options.jobs is None:
        # Each worker loads its own pipeline (a second or two): worth it for big runs.
        jobs = max(1, min(os.cpu_count() or 1, len(targets) // FILES_PER_WORKER))
    else:
        jobs = max(1, min(options.jobs, len(targets) // 10 or 1))
    if jobs == 1:
        outcomes = [_lint_chunk(targets, options, progress.tick, finder)]
    else:
        # Each worker loads its own pipeline. Workers ignore Ctrl-C: the parent handles it
        # and terminates them, so an interrupted run stops at once (exit 130).
        chunks = list(_chunks(targets, jobs))
        with multiprocessing.get_context().Pool(jobs, initializer=_ignore_interrupts) as pool:
            pending = [pool.apply_async(_lint_chunk, (chunk, options)) for chunk in chunks]
            outcomes = []
            offset = 0
            for chunk, result in zip(chunks, pending, strict=True):
                chunk_results, chunk_errors, chunk_rules = result.get(timeout=_ONE_DAY)
                outcomes.append(([(i + offset, r) for i, r in chunk_results],
                                 [(i + offset, e) for i, e in chunk_errors], chunk_rules))
                offset += len(chunk)
                for _ in chunk:
                    progress.tick()
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
