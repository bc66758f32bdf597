"""The line under a finding, as a terminal shows it, with the ``^^^`` under the span.

Columns in reports count code points; a terminal shows a tab as several cells, an emoji
or a CJK character as two and a combining mark as none, so the carets are placed by
display width. A long line (a minified HTML email is one line of thousands of
characters) is cut to a window around the span.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

TAB_WIDTH = 4
MAX_WIDTH = 100  # display cells of the line shown; the span is kept whole up to this
_CONTEXT = 30  # cells kept before the span when a long line is cut
_ELLIPSIS = "…"


def printable(text: str) -> str:
    """``text`` without control characters (shown as �): a file's words quoted in a
    message or suggestion must not move the cursor or recolour a terminal or CI log."""
    return "".join("\ufffd" if unicodedata.category(ch) == "Cc" and ch not in "\t\n"
                   else ch for ch in text)


def _cell_width(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _cells(text: str) -> list[tuple[str, int]]:
    """Each character as shown (tabs expanded, control characters as �) and its width."""
    out: list[tuple[str, int]] = []
    column = 0
    for ch in text:
        if ch == "\t":
            shown = " " * (TAB_WIDTH - column % TAB_WIDTH)
            out.append((shown, len(shown)))
        elif unicodedata.category(ch) == "Cc":
            out.append(("\ufffd", 1))  # never send a file's control bytes to a terminal
        else:
            out.append((ch, _cell_width(ch)))
        column += out[-1][1]
    return out


@dataclass(frozen=True)
class Snippet:
    line: str  # the line as shown
    indent: int  # cells before the carets
    carets: int  # how many carets


def snippet(line: str, start: int, end: int) -> Snippet:
    """``line`` with the span ``[start, end)`` (0-based code points into it) marked."""
    cells = _cells(line.rstrip("\r\n"))
    start = min(start, len(cells))
    end = min(max(end, start + 1), len(cells)) if cells else start
    before = sum(w for _, w in cells[:start])
    width = max(sum(w for _, w in cells[start:end]), 1)
    total = sum(w for _, w in cells)
    if total <= MAX_WIDTH:
        return Snippet("".join(c for c, _ in cells), before, width)
    # Cut: keep some context before the span, the span (up to the window) and what fits
    # after it; mark each cut with an ellipsis.
    first = start
    kept = 0
    while first > 0 and kept + cells[first - 1][1] <= _CONTEXT:
        first -= 1
        kept += cells[first][1]
    shown: list[str] = [_ELLIPSIS] if first > 0 else []
    used = len(shown)
    last = first
    while last < len(cells) and used + cells[last][1] <= MAX_WIDTH - 1:
        shown.append(cells[last][0])
        used += cells[last][1]
        last += 1
    if last < len(cells):
        shown.append(_ELLIPSIS)
    indent = (1 if first > 0 else 0) + kept
    span_cells = sum(w for _, w in cells[start:min(end, last)])
    return Snippet("".join(shown), indent, max(min(span_cells, width), 1))
