"""Errors the command line turns into a one-line message and exit code 2."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def suggest(word: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the nearest known word, or nothing."""
    close = difflib.get_close_matches(word, sorted(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


class ApologyLintError(Exception):
    """Base class: a problem with the user's input, configuration or environment."""


class RuleError(ApologyLintError):
    """A rule, lexicon or scoring file is malformed (the message names file and key)."""


class PipelineError(ApologyLintError):
    """The spaCy pipeline cannot be loaded."""


class InputError(ApologyLintError):
    """A file to lint cannot be read as text."""
