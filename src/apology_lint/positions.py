"""Character offsets to 1-based line and column numbers.

A line ends at LF, CRLF or a lone CR (old Mac files): editors show all three as line
breaks, so a file with CR endings is not one long line 1.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_right
from collections.abc import Iterable

from .models import Evidence, Span

LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` as ``LineIndex`` numbers them (line n is item n - 1)."""
    return LINE_BREAK.split(text)


class LineIndex:
    def __init__(self, text: str) -> None:
        self.text = text
        self._starts = [0] + [m.end() for m in LINE_BREAK.finditer(text)]

    def line_col(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self._starts, offset) - 1
        return line + 1, offset - self._starts[line] + 1

    def span(self, start: int, end: int) -> Span:
        line, column = self.line_col(start)
        end_line, end_column = self.line_col(end)
        return Span(start=start, end=end, line=line, column=column,
                    end_line=end_line, end_column=end_column)

    def evidence(self, start: int, end: int) -> Evidence:
        line, column = self.line_col(start)
        return Evidence(start=start, end=end, line=line, column=column,
                        text=self.text[start:end])


class Ranges:
    """Ranges ``[start, end)`` (any, overlapping or not) and whether one holds an offset,
    in O(log n): in order of start, those starting at or before the offset come first, and
    one of them holds it if the furthest end among them is past it."""

    def __init__(self, ranges: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(ranges)
        self.starts = [start for start, _ in ordered]
        self.reach = list(itertools.accumulate((end for _, end in ordered), max))

    def __contains__(self, offset: int) -> bool:
        i = bisect_right(self.starts, offset)
        return i > 0 and self.reach[i - 1] > offset
