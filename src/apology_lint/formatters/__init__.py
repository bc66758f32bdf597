"""Output formats: one module per format, each turning a run's file results into text.

Most formats are written as the files finish, in path order, so a run over an archive
never holds every report: text, concise, json, jsonl and sarif write each file's part at
once; github writes each file's annotations after its summary line, so it keeps those
lines (not the reports) until the end. junit and html need the whole run first.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from .. import __version__
from ..models import SEVERITY_RANK, RunReport, ScoreGateFailure, Summary, ToolInfo

if TYPE_CHECKING:
    from ..rulespec import RuleSpec
    from ..runner import FileResult

FORMATS = ("text", "concise", "json", "jsonl", "sarif", "github", "junit", "html")


class Totals:
    """The run's summary, counted as the files go by (``counted`` feeds it)."""

    def __init__(self) -> None:
        self.files = self.errors = self.warnings = self.infos = self.scores = 0
        self.below: list[ScoreGateFailure] = []

    def counted(self, files: Iterable[FileResult]) -> Iterator[FileResult]:
        for file in files:
            r = file.report
            self.files += 1
            self.errors += r.count("error")
            self.warnings += r.count("warning")
            self.infos += r.count("info")
            self.scores += r.score
            gate = file.below_min_score()
            if gate is not None:
                self.below.append(gate)
            yield file

    def summary(self) -> Summary:
        return Summary(files=self.files, errors=self.errors, warnings=self.warnings,
                       infos=self.infos,
                       mean_score=round(self.scores / self.files, 1) if self.files else None,
                       below_min_score=self.below)


def tool() -> ToolInfo:
    return ToolInfo(version=__version__)


def run_report(files: Iterable[FileResult]) -> RunReport:
    """The whole run as one document (the formats that need it all before writing)."""
    totals = Totals()
    reports = [f.report for f in totals.counted(files)]
    return RunReport(tool=tool(), files=reports, summary=totals.summary())


def statistics(files: Iterable[FileResult], rules: list[RuleSpec]) -> str:
    """``--statistics``: findings per rule, most frequent first (as ruff prints them)."""
    counts: dict[tuple[str, str], int] = {}
    for f in (f for r in files for f in r.report.findings):
        counts[(f.rule, f.severity)] = counts.get((f.rule, f.severity), 0) + 1
    titles = {rule.id: rule.title for rule in rules}
    lines = [f"{n:>5}  {rule:<30} {severity:<8} {titles.get(rule, '')}"
             for (rule, severity), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return "\n".join(lines) + ("\n" if lines else "")


def render(fmt: str, files: Iterable[FileResult], rules: list[RuleSpec], colour: bool,
           stats: bool = False, quiet: bool = False) -> str:
    """The report in format ``fmt``. ``quiet`` leaves out the summaries of the text
    formats (the findings only)."""
    return "".join(render_chunks(fmt, files, rules, colour, stats, quiet))


def render_chunks(fmt: str, files: Iterable[FileResult], rules: list[RuleSpec], colour: bool,
                  stats: bool = False, quiet: bool = False) -> Iterator[str]:
    """The report in pieces to write one after another, each as soon as it can be."""
    from . import github, html, json_format, jsonl, junit, sarif, text

    if stats:
        yield statistics(files, rules)
    elif fmt == "json":
        yield from json_format.chunks(files)
    elif fmt == "jsonl":
        yield from jsonl.chunks(files)
    elif fmt == "sarif":
        yield from sarif.chunks(files, rules)
    elif fmt == "github":
        yield github.render(files)
    elif fmt == "concise":
        yield from text.concise_chunks(files, colour, quiet)
    elif fmt == "text":
        yield from text.chunks(files, colour, quiet)
    else:  # the whole run first
        kept = list(files)
        if fmt == "junit":
            levels = {f.fail_level for f in kept} or {"error"}
            yield junit.render(run_report(kept), min(levels, key=SEVERITY_RANK.__getitem__))
        else:
            yield html.render(run_report(kept), {f.path: f.source for f in kept}, rules)
