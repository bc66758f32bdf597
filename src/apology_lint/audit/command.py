"""``apology-lint audit PATH… --out DIR``: audit an archive of incidents.

Exit codes: 0 the whole input was audited; 2 some input could not be read (one line
``apology-lint: error: …`` on stderr for each problem, the rest still audited), nothing
could be audited, the options or DIR are wrong, or the Dask cluster of ``--dask`` or
``--scheduler`` cannot be used (no Dask, a scheduler out of reach, a worker that died);
130 interrupted. Findings never change the exit code: an audit describes an archive, it
does not gate it. Never a traceback (``APOLOGY_LINT_DEBUG=1`` shows one for an internal
error).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Sequence
from typing import TextIO

from .. import __version__
from ..console import EXIT_ERROR, EXIT_OK, CommandParser, guarded, number_option, say
from ..errors import one_line
from .distributed import CONNECT_TIMEOUT, DEFAULT_WORKERS, audit_on_dask, require_dask
from .models import GROUP_DIMENSIONS
from .parquet import require_pyarrow, write_parquet
from .run import AuditProgress, audit, parse_group_by

PROG = "apology-lint audit"


def _group_by(text: str) -> str:
    try:
        parse_group_by(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


_minutes = number_option(float, "minutes", lambda v: 0 <= v < 60 * 24 * 365,
                         "minutes must be from 0 to a year")


_count = number_option(int, "a whole number", lambda v: 0 <= v <= 10_000_000,
                       "must be from 0 to 10,000,000")


def _workers(text: str) -> int:
    value = _count(text)
    if not 1 <= value <= 256:
        raise argparse.ArgumentTypeError(f"must be from 1 to 256, got {text}")
    return value


_seconds = number_option(float, "seconds", lambda v: 0 < v <= 3600,
                         "seconds must be more than 0 and at most 3600")


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog=PROG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Lint a whole archive of incidents and write, in DIR:\n"
            "  messages.jsonl   one line per message: score, band, parts present, rules\n"
            "                   fired, thread rules\n"
            "  aggregates.json  per group: messages, incidents, scores per kind, parts\n"
            "                   present, promise-kept rate, first-response delay, rules\n"
            "                   per 100 messages\n"
            "  aggregates.csv   the same, one row per group\n"
            "  report.html      one self-contained page with the plots"),
        epilog=(
            "input: files or folders (searched for .json, .jsonl, .ndjson) of Statuspage\n"
            "  incident JSON or incidents.json, JSONL of {ts, status, message} (one incident\n"
            "  per file), statuspages.jsonl lines or GitHub status lines. JSONL files of\n"
            "  incidents are streamed line by line.\n"
            "provider: the record's provider; \"github\" for GitHub status lines; else the\n"
            "  file name without its extension. quarter and year: of the message's time, UTC.\n"
            "DIR: created if missing. If it exists and is not empty it is used only with\n"
            "  --force, which replaces the audit's own files in it and touches\n"
            "  nothing else; they appear only when the run completes.\n"
            "exit status: 0 all input audited; 2 some input could not be read (one error\n"
            "  line each, the rest audited), nothing to audit, a Dask cluster that cannot\n"
            "  be used (out of reach, a worker died), or a usage error; 130 interrupted.\n"
            "  Findings do not change it.\n"
            "messages as Parquet: --parquet also writes messages.parquet (needs\n"
            "  pyarrow: pip install 'apology-lint[parquet]').\n"
            "on Dask (pip install 'dask[distributed]'): --dask starts a local cluster,\n"
            "  --scheduler uses a running one whose workers have this apology-lint\n"
            "  installed; the outputs are the single-process run's, byte for byte."))
    parser.add_argument("paths", nargs="+", metavar="PATH", help="incident files or folders")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for the results")
    parser.add_argument("--parquet", action="store_true",
                        help="also write messages.parquet (the same rows, typed columns)")
    parser.add_argument("--group-by", type=_group_by, default="provider", metavar="DIMS",
                        help="comma-separated, from: " + ", ".join(GROUP_DIMENSIONS)
                             + " (default: provider)")
    parser.add_argument("--force", action="store_true",
                        help="use DIR even if it is not empty (replaces only the audit's files)")
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="no progress bar and no summary line (errors are still printed)")
    parser.add_argument("--title", help="the report's title (default: Incident message audit)")
    parser.add_argument("--grace", type=_minutes, metavar="MIN",
                        help="minutes a promised update may be late (broken-update-promise; "
                             "default 10)")
    parser.add_argument("--gap", type=_minutes, metavar="MIN",
                        help="longest silence while open, in minutes (update-gap; default 60)")
    parser.add_argument("--cache", type=_count, default=20_000, metavar="N",
                        help="distinct message texts whose result is kept, so a repeated "
                             "text is linted once (default 20000; 0 turns it off)")
    on = parser.add_mutually_exclusive_group()
    on.add_argument("--dask", action="store_true",
                    help="lint on a local Dask cluster started for the run (worker processes "
                         "with one thread each; see --workers)")
    on.add_argument("--scheduler", metavar="ADDRESS",
                    help="lint on the Dask cluster whose scheduler is at ADDRESS "
                         "(tcp://host:8786)")
    parser.add_argument("--workers", type=_workers, metavar="N",
                        help=f"worker processes of the --dask cluster (default {DEFAULT_WORKERS})")
    parser.add_argument("--scheduler-timeout", type=_seconds, metavar="S",
                        help=f"seconds to reach the --scheduler (default {CONNECT_TIMEOUT:g})")
    parser.add_argument("--version", action="version", version=f"apology-lint {__version__}")
    return parser


def _clock(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ProgressBar:
    """One line on a terminal, redrawn with ``\\r`` at most five times a second; plain
    text (no escape sequence) so any terminal shows it. Error lines go through
    ``error`` so they are not mixed into the bar."""

    WIDTH = 24

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.shown = 0
        self.last = 0.0

    def __call__(self, state: AuditProgress, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < 0.2:
            return
        self.last = now
        fraction = state.bytes_done / state.bytes_total if state.bytes_total else 0.0
        filled = int(self.WIDTH * min(fraction, 1.0))
        rate = state.messages / state.elapsed if state.elapsed > 0 else 0.0
        eta = (state.elapsed * (1 - fraction) / fraction) if 0.02 < fraction < 1 else None
        text = (f"auditing {100 * fraction:3.0f}% [{'#' * filled}{'.' * (self.WIDTH - filled)}]"
                f" {state.messages:,} messages · {state.incidents:,} incidents · "
                f"{rate:.0f} msg/s" + (f" · {_clock(eta)} left" if eta is not None else "")
                + (f" · {state.errors} error{'s' if state.errors != 1 else ''}"
                   if state.errors else ""))
        self._write("\r" + text + " " * max(0, self.shown - len(text)))
        self.shown = len(text)

    def clear(self) -> None:
        if self.shown:
            self._write("\r" + " " * self.shown + "\r")
            self.shown = 0

    def error(self, line: str) -> None:
        self.clear()
        say(line)

    def _write(self, text: str) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.stream.write(text)
            self.stream.flush()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (OSError, ValueError, AttributeError):
        return False


def run(argv: Sequence[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(list(argv))
    if args.workers is not None and not args.dask:
        parser.error("--workers is the size of the local cluster: give it with --dask")
    if args.scheduler_timeout is not None and args.scheduler is None:
        parser.error("--scheduler-timeout is for --scheduler")
    on_dask = args.dask or args.scheduler is not None
    if on_dask:
        require_dask()  # before anything is read or created
    if args.parquet:
        require_pyarrow()
    params: dict[str, dict[str, float]] = {}
    if args.grace is not None:
        params["broken-update-promise"] = {"grace_minutes": args.grace}
    if args.gap is not None:
        params["update-gap"] = {"limit_minutes": args.gap}
    bar = ProgressBar(sys.stderr) if not args.quiet and _is_terminal(sys.stderr) else None

    def on_error(problem: str) -> None:
        line = f"apology-lint: error: {one_line(problem)}"
        if bar is not None:
            bar.error(line)
        else:
            say(line)

    where = ""
    try:
        if on_dask:
            workers = args.workers or DEFAULT_WORKERS
            summary = audit_on_dask(
                args.paths, parse_group_by(args.group_by), args.out, progress=bar,
                scheduler=args.scheduler, workers=workers,
                timeout=args.scheduler_timeout or CONNECT_TIMEOUT, force=args.force,
                on_error=on_error, thread_params=params or None, cache_size=args.cache,
                title=args.title)
            where = (f" on {workers} local Dask worker{'s' if workers != 1 else ''}"
                     if args.scheduler is None else f" on {one_line(args.scheduler)}")
        else:
            summary = audit(args.paths, parse_group_by(args.group_by), args.out,
                            progress=bar, force=args.force, on_error=on_error,
                            thread_params=params or None, cache_size=args.cache,
                            title=args.title)
    finally:
        if bar is not None:
            bar.clear()
    if args.parquet and summary.messages:
        write_parquet(summary.out_dir)
    if not args.quiet:
        rate = summary.messages / summary.seconds if summary.seconds else 0.0
        print(f"audited {summary.messages:,} messages in {summary.incidents:,} incidents "
              f"({summary.linted:,} distinct texts linted) in {_clock(summary.seconds)}, "
              f"{rate:.0f} messages/s{where}"
              + (f"; {summary.error_count:,} input error"
                 f"{'s' if summary.error_count != 1 else ''}" if summary.error_count else "")
              + f"\nreport: {one_line(os.path.join(summary.out_dir, 'report.html'))}",
              flush=True)
    return EXIT_ERROR if summary.error_count else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """The ``audit`` subcommand; ``argv`` are the arguments after ``audit``."""
    return guarded(run, argv)


if __name__ == "__main__":
    sys.exit(main())
