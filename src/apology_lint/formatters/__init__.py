"""Output formats: one module per format, each turning a run's reports into text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from .. import __version__
from ..models import SEVERITY_RANK, RunReport, ScoreGateFailure, Summary, ToolInfo

if TYPE_CHECKING:
    from ..runner import RunResult

FORMATS = ("text", "concise", "json", "jsonl", "sarif", "github", "junit", "html")


def run_report(result: RunResult) -> RunReport:
    reports = [f.report for f in result.files]
    scores = [r.score for r in reports]
    return RunReport(
        tool=ToolInfo(version=__version__),
        files=reports,
        summary=Summary(
            files=len(reports),
            errors=sum(r.count("error") for r in reports),
            warnings=sum(r.count("warning") for r in reports),
            infos=sum(r.count("info") for r in reports),
            mean_score=round(sum(scores) / len(scores), 1) if scores else None,
            below_min_score=[ScoreGateFailure(path=f.path, score=f.report.score,
                                              min_score=f.min_score)
                             for f in result.files if f.report.score < f.min_score],
        ),
    )


def statistics(result: RunResult) -> str:
    """``--statistics``: findings per rule, most frequent first (as ruff prints them)."""
    counts: dict[tuple[str, str], int] = {}
    for f in (f for r in result.files for f in r.report.findings):
        counts[(f.rule, f.severity)] = counts.get((f.rule, f.severity), 0) + 1
    titles = {rule.id: rule.title for rule in result.rules}
    lines = [f"{n:>5}  {rule:<30} {severity:<8} {titles.get(rule, '')}"
             for (rule, severity), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return "\n".join(lines) + ("\n" if lines else "")


def render(fmt: str, result: RunResult, colour: bool, stats: bool = False,
           quiet: bool = False) -> str:
    """The report in format ``fmt``. ``quiet`` leaves out the summaries of the text
    formats (the findings only)."""
    return "".join(render_chunks(fmt, result, colour, stats, quiet))


def render_chunks(fmt: str, result: RunResult, colour: bool, stats: bool = False,
                  quiet: bool = False) -> Iterator[str]:
    """The report in pieces to write one after another: the JSON formats file by file,
    the others whole."""
    from . import json_format, jsonl

    if not stats and fmt == "json":
        return json_format.chunks(run_report(result))
    if not stats and fmt == "jsonl":
        return jsonl.chunks(run_report(result))
    return iter((_whole(fmt, result, colour, stats, quiet),))


def _whole(fmt: str, result: RunResult, colour: bool, stats: bool, quiet: bool) -> str:
    from . import github, html, junit, sarif, text

    if stats:
        return statistics(result)
    report = run_report(result)
    if fmt == "sarif":
        return sarif.render(report, result.rules)
    if fmt == "github":
        return github.render(report)
    if fmt == "junit":
        levels = {f.fail_level for f in result.files} or {"error"}
        return junit.render(report, min(levels, key=SEVERITY_RANK.__getitem__))
    if fmt == "concise":
        return text.render_concise(report, colour, quiet)
    sources = {f.path: f.source for f in result.files}
    if fmt == "html":
        return html.render(report, sources, result.rules)
    return text.render(report, sources, colour, quiet)
