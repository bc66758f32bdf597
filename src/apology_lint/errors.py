"""Errors the command line turns into a one-line message and exit code 2."""

from __future__ import annotations

import contextlib
import difflib
import os
import unicodedata
from collections.abc import Iterable

# What text from a file or a file name must never send to a terminal or a CI log as it is:
# control characters (Cc: a newline forges a log line, an escape sequence recolours,
# clears or retitles the terminal), format characters (Cf: bidi overrides, embeddings and
# isolates reorder what is shown, LRM/RLM/ALM too; zero-width and tag characters hide
# text), line and paragraph separators (a viewer may break the line there) and lone
# surrogates (not UTF-8). ``one_line`` escapes them, ``formatters.snippet.printable``
# shows each as U+FFFD.
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def suggest(word: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the nearest known word, or nothing."""
    close = difflib.get_close_matches(word, sorted(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def unsafe(char: str) -> bool:
    """Whether ``char`` may not be printed as it is (``UNSAFE_CATEGORIES``)."""
    return unicodedata.category(char) in UNSAFE_CATEGORIES


def one_line(text: str) -> str:
    """``text`` as one printable line: bytes that are not UTF-8 (in a file name), every
    ``unsafe`` character (a newline, an escape sequence, a bidi override) and every other
    character Python does not call printable (other spaces, unassigned code points)
    escaped (``\\n``, ``\\x1b``, ``\\u202e``). A name or a message printed raw could forge,
    recolour or reorder a line of a CI log."""
    with contextlib.suppress(UnicodeEncodeError):  # a surrogate that is not a byte
        text = os.fsencode(text).decode("utf-8", "backslashreplace")
    return "".join(c.encode("unicode_escape").decode() if unsafe(c) or not c.isprintable()
                   else c for c in text)


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
