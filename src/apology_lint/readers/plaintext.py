"""Plain text and email hygiene: only the author's own prose is linted.

* A quoted earlier message is not the author's prose: ``>`` lines, and everything from an
  "On … wrote:" line or an Outlook "-----Original Message-----" / "From: … Sent:" header
  to the end, are removed.
* A signature (after a line that is exactly ``-- ``, the email convention) is kept in the
  parsed text, so it still counts as a contact, but is *quiet*: no finding starts in it.
* A line addressed to the linter (``apology-lint: disable=…``, optionally after ``#`` or
  ``//``) is removed: it is a directive, read by ``suppressions``, not prose.
"""

from __future__ import annotations

import re

from .layer import Layer
from .offsets import TextBuilder

# The blanks after a comment marker are matched only after one: written as two optional
# runs of blanks side by side, a line of spaces was split between them every possible way.
_DIRECTIVE_LINE = re.compile(r"[ \t]*(?:(?:#|//)[ \t]*)?apology-lint:.*", re.IGNORECASE)
_QUOTED_LINE = re.compile(r"[ \t]*>")
_REPLY_HEADER = re.compile(
    r"^[ \t]*(?:On\s[^\n]{0,200}?(?:\n[^\n]{0,200}?)?\swrote:[ \t]*\r?$"
    r"|-{2,}\s*Original Message\s*-{2,}"
    r"|From:[^\n]*\r?\n(?:[^\n]*\r?\n){0,2}?(?:Sent|Date):)",
    re.MULTILINE | re.IGNORECASE)
_SIGNATURE = re.compile(r"^-- ?\r?$", re.MULTILINE)


def read_plain(source: str) -> Layer:
    reply = _REPLY_HEADER.search(source)
    end_of_prose = reply.start() if reply else len(source)
    signature = _SIGNATURE.search(source, 0, end_of_prose)
    builder = TextBuilder(source)
    offset = 0
    for line in source[:end_of_prose].splitlines(keepends=True):
        start, offset = offset, offset + len(line)
        if _DIRECTIVE_LINE.fullmatch(line.rstrip("\r\n")) or _QUOTED_LINE.match(line):
            continue
        builder.keep(start, offset)
    text, offsets = builder.build()
    quiet = [(signature.start(), end_of_prose)] if signature else []
    return Layer(text, offsets, quiet=quiet)
