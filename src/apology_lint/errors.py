"""Errors the command line turns into a one-line message and exit code 2."""

from __future__ import annotations

import contextlib
import difflib
import os
from collections.abc import Iterable


def suggest(word: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the nearest known word, or nothing."""
    close = difflib.get_close_matches(word, sorted(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def one_line(text: str) -> str:
    """``text`` as one printable line: bytes that are not UTF-8 (in a file name) and
    characters that are not printable (a newline, an escape sequence) escaped. A name or a
    message printed raw could forge or recolour a line of a CI log."""
    with contextlib.suppress(UnicodeEncodeError):  # a surrogate that is not a byte
        text = os.fsencode(text).decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def describe(exc: BaseException, limit: int = 300) -> str:
    """``Type: message`` on one printable line, cut at ``limit`` characters: an exception's
    message may quote the file (newlines, terminal escapes) and goes into a CI log."""
    text = one_line(" ".join(f"{type(exc).__name__}: {exc}".split()).removesuffix(":"))
    return text if len(text) <= limit else text[:limit] + "…"


class ApologyLintError(Exception):
    """Base class: a problem with the user's input, configuration or environment."""


class RuleError(ApologyLintError):
    """A rule, lexicon or scoring file is malformed (the message names file and key)."""


class PipelineError(ApologyLintError):
    """The spaCy pipeline cannot be loaded."""


class InputError(ApologyLintError):
    """A file to lint cannot be read as text."""
