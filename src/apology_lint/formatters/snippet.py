"""The line under a finding, as a terminal shows it, with the ``^^^`` under the span.

Columns in reports count code points; a terminal shows a tab as several cells, an emoji
or a CJK character as two and a combining mark as none, so the carets are placed by
display width. A long line (a minified HTML email is one line of thousands of
characters) is cut to a window around the span.

Where each character of a line starts on screen is worked out once per line and reused
for every finding on it: a line of 50,000 characters with thousands of findings used to
be measured again for each, and the text report took minutes where JSON took a second.
"""

from __future__ import annotations

import unicodedata
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache

from ..errors import unsafe

TAB_WIDTH = 4
MAX_WIDTH = 100  # display cells of the line shown; the span is kept whole up to this
_CONTEXT = 30  # cells kept before the span when a long line is cut
# Characters shown at most: a line of combining marks takes no cells, and each finding on
# it would print all of it (a window is 100 cells, hardly ever more than 200 characters).
_MAX_CHARS = 4 * MAX_WIDTH
_CONTEXT_CHARS = 4 * _CONTEXT
_ELLIPSIS = "…"
_HIDDEN = "\ufffd"  # what is shown for a character that may not reach a terminal


def printable(text: str) -> str:
    """``text`` with every ``errors.unsafe`` character but tab and newline shown as �: a
    file's words quoted in a message or suggestion must not move the cursor, recolour a
    terminal or CI log, or reorder or hide what it shows (bidi overrides, zero-width and
    tag characters)."""
    return "".join(_HIDDEN if ch not in "\t\n" and unsafe(ch) else ch for ch in text)


@lru_cache(maxsize=4096)
def _cell_width(ch: str) -> int:
    """Cells a character takes (not a tab): an unsafe one is shown as � (one cell)."""
    if unsafe(ch):
        return 1
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


@lru_cache(maxsize=2)
def _columns(line: str) -> array[int]:
    """Where each character of ``line`` starts on screen (tabs expanded): item i is the
    cells before character i, the last item the width of the whole line. Findings come in
    order, so the findings on one line ask for it one after another."""
    starts = array("I" if len(line) * TAB_WIDTH < 2 ** 32 else "Q", [0])
    column = 0
    for ch in line:
        column += TAB_WIDTH - column % TAB_WIDTH if ch == "\t" else _cell_width(ch)
        starts.append(column)
    return starts


def _shown(line: str, columns: array[int], first: int, last: int) -> str:
    """Characters ``first`` to ``last`` of ``line`` as shown: tabs as spaces, unsafe
    characters (never a file's control bytes on a terminal) as �."""
    out = []
    for i in range(first, last):
        ch = line[i]
        if ch == "\t":
            out.append(" " * (columns[i + 1] - columns[i]))
        else:
            out.append(_HIDDEN if unsafe(ch) else ch)
    return "".join(out)


@dataclass(frozen=True)
class Snippet:
    line: str  # the line as shown
    indent: int  # cells before the carets
    carets: int  # how many carets


def snippet(line: str, start: int, end: int) -> Snippet:
    """``line`` with the span ``[start, end)`` (0-based code points into it) marked."""
    line = line.rstrip("\r\n")
    columns = _columns(line)
    size = len(line)
    start = min(start, size)
    end = min(max(end, start + 1), size) if size else start
    before = columns[start]
    width = max(columns[end] - before, 1)
    if columns[size] <= MAX_WIDTH and size <= _MAX_CHARS:
        return Snippet(_shown(line, columns, 0, size), before, width)
    # Cut: keep some context before the span (up to _CONTEXT cells), the span (up to the
    # window) and what fits after it; mark each cut with an ellipsis.
    first = max(bisect_left(columns, before - _CONTEXT, 0, start), start - _CONTEXT_CHARS)
    lead = 1 if first > 0 else 0  # the ellipsis
    limit = columns[first] + MAX_WIDTH - 1 - lead
    last = min(bisect_right(columns, limit, first, size + 1) - 1, first + _MAX_CHARS)
    shown = (_ELLIPSIS if lead else "") + _shown(line, columns, first, last)
    if last < size:
        shown += _ELLIPSIS
    span_cells = columns[max(min(end, last), start)] - before
    return Snippet(shown, lead + before - columns[first], max(min(span_cells, width), 1))
