"""``apology-lint thread FILE…``: lint whole incidents.

For each incident: the timeline (time, status, kind, score, findings per message), then
the thread findings with ``file:line``. ``--format json`` prints a ``ThreadRun``;
``--format sarif`` a SARIF 2.1.0 log and ``--format html`` one self-contained page
(``formats.py``). ``-o FILE`` writes the report to FILE (never over an incident file).

Exit codes, as the main command: 0 nothing at or above the fail level; 1 findings at or
above it (the messages' or the thread's); 2 bad input — one line ``apology-lint: error:
…`` on stderr for each file or incident that cannot be read, the rest still linted; never
a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timezone

from .. import __version__
from ..console import (
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    CommandParser,
    debugging,
    guarded,
    number_option,
    say,
    write_report,
)
from ..errors import ApologyLintError, InputError, describe, one_line
from ..models import SEVERITY_RANK, ToolInfo
from .formats import render_html, render_sarif
from .lint import InputProblem, ThreadReport, ThreadRun, lint_thread
from .readers import IncidentError, read_incidents
from .rules import ThreadRules

PROG = "apology-lint thread"
FORMATS = ("text", "json", "sarif", "html")


_minutes = number_option(float, "minutes", lambda v: 0 <= v < 60 * 24 * 365,
                         "minutes must be from 0 to a year")


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog=PROG,
        description="Lint whole incidents: every status update and resolution as usual, "
                    "plus the thread rules (promised updates kept, gaps, repeats, the "
                    "first acknowledgement, the cause, the review, the apology).",
        epilog="input: Statuspage incident JSON or incidents.json, JSONL of {ts, status, "
               "message} (one incident per file), statuspages.jsonl or GitHub status lines.")
    parser.add_argument("paths", nargs="+", metavar="FILE", help="incident files")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="output format (default: text): text, json (a ThreadRun), "
                             "sarif (SARIF 2.1.0, each finding at its message's line) or "
                             "html (one self-contained page)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write the report to FILE instead of standard output")
    parser.add_argument("--grace", type=_minutes, metavar="MIN",
                        help="minutes a promised update may be late (broken-update-promise; "
                             "default 10)")
    parser.add_argument("--gap", type=_minutes, metavar="MIN",
                        help="longest silence while open, in minutes (update-gap; default 60)")
    parser.add_argument("--fail-level", choices=("error", "warning", "info"), default="error",
                        help="exit 1 on findings at or above this severity (default: error)")
    parser.add_argument("--version", action="version", version=f"apology-lint {__version__}")
    return parser


def _counts(severities: Sequence[str]) -> str:
    counted = Counter(severities)
    parts = [f"{counted[s]} {s}{'s' if counted[s] != 1 and s != 'info' else ''}"
             for s in ("error", "warning", "info") if counted[s]]
    return ", ".join(parts) if parts else "none"


def _utc(ts: datetime) -> str:
    return ts.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")


def render_text(report: ThreadReport) -> str:
    """The timeline of one incident, then its thread findings with ``file:line``."""
    path = one_line(report.source or "<input>")
    head = f"{path}:{report.line}" if report.line else path
    facts = [f"impact {report.impact}" if report.impact else "",
             f"started {_utc(report.started_at)} UTC" if report.started_at else ""]
    title = f' "{one_line(report.title)}"' if report.title else ""
    out = [f"{head}: incident {one_line(report.incident_id)}{title}"
           + "".join(f" · {f}" for f in facts if f)]
    out.append(f"  {'time (UTC)':<17} {'status':<14} {'kind':<11} {'score':>5}  findings")
    for m in report.messages:
        where = f"  (line {m.line})" if m.line else ""
        out.append(f"  {_utc(m.ts):<17} {m.status:<14} {m.kind:<11} {m.score:>5}  "
                   f"{_counts([f.severity for f in m.findings])}{where}")
    if report.findings:
        out.append("  thread:")
    for f in report.findings:
        where = f"{path}:{f.line}" if f.line else path
        out.append(f"  {where}: {f.severity} {f.rule} {one_line(f.message)}")
        out.append(f"      {one_line(f.detail)}")
        if f.text:
            quoted = one_line(f.text)
            out.append(f"      \"{quoted[:157] + '…' if len(quoted) > 160 else quoted}\"")
        out.append(f"      = suggestion: {one_line(f.suggestion)}")
    lowest = min(m.score for m in report.messages)
    out.append(f"  {len(report.messages)} message{'s' if len(report.messages) != 1 else ''}"
               f" · lowest score {lowest} · thread findings: "
               f"{_counts([f.severity for f in report.findings])}")
    return "\n".join(out)


def _check_output(output: str, paths: Sequence[str]) -> None:
    """The report file is never one of the incident files: writing it would destroy the
    input before (or while) it is read."""
    report = os.path.realpath(output)
    for path in paths:
        if os.path.realpath(path) == report:
            raise InputError(f"{one_line(path)}: is both an incident file and the report "
                             "file (-o); write the report somewhere else")


def run(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    if args.output is not None:
        _check_output(args.output, args.paths)
    params: dict[str, dict[str, float]] = {}
    if args.grace is not None:
        params["broken-update-promise"] = {"grace_minutes": args.grace}
    if args.gap is not None:
        params["update-gap"] = {"limit_minutes": args.gap}
    rules = ThreadRules(params=params)
    problems: list[IncidentError] = []
    reports: list[ThreadReport] = []
    texts: list[list[str]] = []  # each incident's messages, for the HTML page
    # Text on standard output is printed incident by incident; everything else at the end.
    streaming = args.format == "text" and args.output is None
    chunks: list[str] = []
    fail = SEVERITY_RANK[args.fail_level]
    failed = False
    linter = None
    for path in args.paths:
        try:
            found = read_incidents(path)
        except IncidentError as unreadable:
            problems.append(unreadable)
            say(f"apology-lint: error: {unreadable}")
            continue
        for error in found.errors:
            problems.append(error)
            say(f"apology-lint: error: {error}")
        if not found.incidents:
            continue
        if linter is None:
            from ..engine import default_linter  # spaCy: only once there is a thread

            linter = default_linter()
        for incident in found.incidents:
            try:
                report = lint_thread(incident, linter, rules)
            except Exception as exc:  # one incident's failure is its own error (exit 2)
                if debugging() and not isinstance(exc, ApologyLintError):
                    raise
                problem = IncidentError(
                    str(exc) if isinstance(exc, ApologyLintError)
                    else f"internal error ({describe(exc)}); please report it",
                    incident.source, incident.line, incident.id)
                problems.append(problem)
                say(f"apology-lint: error: {problem}")
                continue
            failed = failed or any(SEVERITY_RANK[s] >= fail for s in report.severities())
            if streaming:
                print(render_text(report) + "\n", flush=True)
            elif args.format == "text":
                chunks.append(render_text(report) + "\n\n")
            else:
                reports.append(report)
                if args.format == "html":
                    texts.append([m.text for m in incident.messages])
    errors = [InputProblem(path=e.path, line=e.line, message=str(e)) for e in problems]
    tool = ToolInfo(version=__version__)
    message_rules = linter.rules if linter is not None else []
    thread_rules = [spec for spec, _ in rules.rules]
    if args.format == "json":
        chunks.append(ThreadRun(tool=tool, incidents=reports, errors=errors)
                      .model_dump_json(indent=2) + "\n")
    elif args.format == "sarif":
        chunks.append(render_sarif(reports, tool, message_rules, thread_rules, errors))
    elif args.format == "html":
        chunks.append(render_html(reports, tool, message_rules, thread_rules, errors, texts))
    if not streaming:
        write_report(args.output, "".join(chunks))
    if problems:
        return EXIT_ERROR
    return EXIT_FINDINGS if failed else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """The ``thread`` subcommand; ``argv`` are the arguments after ``thread``."""
    return guarded(run, argv)


if __name__ == "__main__":
    sys.exit(main())
