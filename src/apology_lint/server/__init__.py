"""``apology-lint server``: a Language Server (LSP over stdio) for editors.

It publishes the findings of the file being edited as diagnostics, with the
configuration the command line would use for that file, explains a rule on hover, and
offers quick fixes: apply a rule's rewrite, or disable the rule for a line or the file
with a suppression comment in the file's own syntax. See docs/editors.md.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from .. import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="apology-lint server",
        description="Run the apology-lint language server on standard input and output "
                    "(the Language Server Protocol); editors start it themselves, see "
                    "docs/editors.md.")
    parser.add_argument("--stdio", action="store_true",
                        help="talk over standard input and output (the default and only "
                             "transport; accepted because some clients always pass it)")
    parser.add_argument("--config", metavar="PATH", type=Path,
                        help="use this configuration file for every document instead of "
                             "the nearest one (as the command line's --config)")
    parser.add_argument("--isolated", action="store_true",
                        help="ignore every configuration file")
    parser.add_argument("--debounce-ms", type=int, default=None, metavar="MS",
                        help="lint this long after the last change (default: 150)")
    parser.add_argument("--log-level", default="warning",
                        choices=("debug", "info", "warning", "error"),
                        help="what the server logs to standard error (default: warning)")
    parser.add_argument("--log-file", metavar="PATH",
                        help="log to this file instead of standard error")
    parser.add_argument("--version", action="version", version=f"apology-lint {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server; the exit code is 0 after the client's shutdown request, else 1."""
    args = build_parser().parse_args(argv)
    handler: logging.Handler = (logging.FileHandler(args.log_file, encoding="utf-8")
                                if args.log_file else logging.StreamHandler(sys.stderr))
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)
    logging.getLogger("apology_lint").setLevel(args.log_level.upper())

    # Imported after parsing, so --help and --version answer without loading pygls.
    from .app import DEFAULT_DEBOUNCE_MS, ServerSettings, serve

    if args.config is not None and not args.config.is_file():
        print(f"apology-lint server: error: no such configuration file: {args.config}",
              file=sys.stderr)
        return 2
    settings = ServerSettings(
        debounce_ms=DEFAULT_DEBOUNCE_MS if args.debounce_ms is None else args.debounce_ms,
        config=args.config, isolated=args.isolated)
    # Standard output is the protocol: anything else printed there (a library's warning,
    # a stray print) would corrupt it, so it goes to standard error instead.
    protocol_out = sys.stdout.buffer
    sys.stdout = sys.stderr
    try:
        return serve(settings, sys.stdin.buffer, protocol_out)
    finally:
        sys.stdout = sys.__stdout__


__all__ = ["build_parser", "main"]
