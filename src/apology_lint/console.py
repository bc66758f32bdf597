"""What every command does at the edge of the terminal: one line on standard error, and
one guard that turns whatever escapes a command into that line and an exit code."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import NoReturn, TypeVar

from .errors import ApologyLintError, InputError, describe, one_line

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


N = TypeVar("N", int, float)

class CommandParser(argparse.ArgumentParser):
    """Argument errors in one line, as every other error (not the usage first)."""

    def error(self, message: str) -> NoReturn:
        # argparse quotes arguments raw; with `apology-lint *.txt` they are the repository's
        # file names, and a name with a newline could forge a line of the CI log.
        self.exit(EXIT_ERROR, f"apology-lint: error: {one_line(message)} "
                              f"({self.prog} --help shows every option)\n")


def number_option(parse: Callable[[str], N], expected: str, within: Callable[[N], bool],
                  bounds: str) -> Callable[[str], N]:
    """An argparse ``type`` for a number in a range: ``expected`` names what the text must
    be ("minutes"), ``bounds`` says the range when the value falls outside it."""
    def convert(text: str) -> N:
        try:
            value = parse(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not within(value):
            raise argparse.ArgumentTypeError(f"{bounds}, got {text}")
        return value
    return convert


def write_report(output: str | None, text: str | Iterable[str]) -> None:
    """The report (a string, or pieces written one after another) to the file ``output``
    (``-o``), else to standard output; a failure to write is one line (a full disk,
    /dev/full, a closed descriptor)."""
    pieces = (text,) if isinstance(text, str) else text
    if output is None:
        try:
            for piece in pieces:
                sys.stdout.write(piece)
            sys.stdout.flush()
        except BrokenPipeError:
            raise  # the reader went away: ``guarded`` stops quietly
        except OSError as exc:
            discard_stdout()
            raise InputError("cannot write the report to standard output: "
                             f"{exc.strerror or exc}") from None
        return
    try:
        with open(output, "w", encoding="utf-8") as handle:
            for piece in pieces:
                handle.write(piece)
    except OSError as exc:
        raise InputError(f"{one_line(output)}: cannot write the report: "
                         f"{exc.strerror or exc}") from None


def say(line: str) -> None:
    """One line on standard error; if even that fails (2> /dev/full), the exit code says it."""
    with contextlib.suppress(OSError, ValueError):
        print(line, file=sys.stderr, flush=True)


def discard_stdout() -> None:
    """Point standard output at /dev/null: what could not be written stays in its buffer,
    and the interpreter would try again at exit and print a traceback of its own."""
    # Without a descriptor (captured, replaced) there is nothing to redirect.
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def debugging() -> bool:
    """``APOLOGY_LINT_DEBUG=1``: let an unexpected exception through, with its traceback,
    instead of turning it into one line (for developers)."""
    return os.environ.get("APOLOGY_LINT_DEBUG", "") not in ("", "0")


def guarded(command: Callable[[list[str]], int], argv: Sequence[str] | None) -> int:
    """Run ``command`` on ``argv`` (default: the process's arguments) so that nothing but
    one line and an exit code comes out of it."""
    try:
        return command(list(sys.argv[1:] if argv is None else argv))
    except ApologyLintError as exc:
        # Messages quote arguments, names and values (a glob that matched nothing, a
        # configuration value): any of them may hold a newline or an escape sequence.
        say(f"apology-lint: error: {one_line(str(exc))}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        say("apology-lint: interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (apology-lint … | head): stop quietly.
        discard_stdout()
        return EXIT_OK
    except Exception as exc:
        # Last resort. A bug on one file is that file's error (runner._lint_chunk); this is
        # a bug anywhere else. Exit 2, not the interpreter's 1, which CI would read as
        # "findings".
        if debugging():
            raise
        say(f"apology-lint: error: internal error ({describe(exc)}); please report it with "
            "the command you ran")
        return EXIT_ERROR
