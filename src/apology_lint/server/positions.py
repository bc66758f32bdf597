"""Character offsets (what the linter reports) to LSP positions and back.

The linter counts characters (Python ``str`` indexes: code points). An LSP position is a
0-based line and a column counted in the code units of the negotiated position encoding:
UTF-16 unless client and server agreed on another, so a character outside the Basic
Multilingual Plane (an emoji) is two units, and in UTF-8 an "é" is two. Lines end at
LF, CRLF or a lone CR, both for LSP and for the linter (``positions.LINE_BREAK``).
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Literal

from lsprotocol import types

from ..positions import LINE_BREAK

Encoding = Literal["utf-8", "utf-16", "utf-32"]


def encoding_of(kind: object) -> Encoding:
    """The encoding named by a ``PositionEncodingKind`` (or its string); UTF-16, the
    protocol's default, for anything else."""
    value = getattr(kind, "value", kind)
    if value == "utf-8":
        return "utf-8"
    if value == "utf-32":
        return "utf-32"
    return "utf-16"


def units(text: str, encoding: Encoding) -> int:
    """How many code units ``text`` is in ``encoding``."""
    if encoding == "utf-32":
        return len(text)
    if encoding == "utf-16":
        # A lone surrogate (possible in a Python str) counts as the one unit it would be.
        return len(text.encode("utf-16-le", "surrogatepass")) // 2
    return len(text.encode("utf-8", "surrogatepass"))


class PositionIndex:
    """One document's text, indexed by line, for conversions both ways."""

    def __init__(self, text: str, encoding: Encoding = "utf-16") -> None:
        self.text = text
        self.encoding = encoding
        self.starts = [0] + [m.end() for m in LINE_BREAK.finditer(text)]

    @property
    def lines(self) -> int:
        return len(self.starts)

    def line_end(self, line: int) -> int:
        """The offset where ``line``'s content ends (before its line break)."""
        if line + 1 < len(self.starts):
            nxt = self.starts[line + 1]
            if self.text[nxt - 2:nxt] == "\r\n":
                return nxt - 2
            return nxt - 1
        return len(self.text)

    def line_of(self, offset: int) -> int:
        return bisect_right(self.starts, max(0, min(offset, len(self.text)))) - 1

    def position(self, offset: int) -> types.Position:
        offset = max(0, min(offset, len(self.text)))
        line = self.line_of(offset)
        # An offset between the CR and the LF of a CRLF is the end of the line.
        column_end = min(offset, self.line_end(line))
        return types.Position(line=line, character=units(
            self.text[self.starts[line]:column_end], self.encoding))

    def range(self, start: int, end: int) -> types.Range:
        return types.Range(start=self.position(start), end=self.position(max(start, end)))

    def offset(self, position: types.Position) -> int:
        """The offset of ``position``. A line past the end is the end of the text; a
        column past the end of its line is the end of the line (as the protocol says);
        a column inside a character (half a surrogate pair) is that character's start."""
        if position.line >= len(self.starts):
            return len(self.text)
        start = self.starts[max(0, position.line)]
        end = self.line_end(max(0, position.line))
        wanted = max(0, position.character)
        if self.encoding == "utf-32":
            return min(start + wanted, end)
        count = 0
        for i in range(start, end):
            count += units(self.text[i], self.encoding)
            if count > wanted:
                return i
        return end
