"""Hostile input for the text report: thousands of findings on one long line.

A minified HTML email, or a pull request's file made to attack the check, is one line of
tens of thousands of characters, and a phrase repeated on it gives a finding each time.
The line under each finding was measured (display width) from its first character
again for every finding: a 50 KB line with 2,800 findings took minutes in the text
format and a second in JSON. Timed as in ``test_growth``: n and 2n, only the ratio counts.
"""

from __future__ import annotations

import unicodedata

import pytest

from apology_lint import Linter
from apology_lint.errors import unsafe
from apology_lint.formatters.snippet import MAX_WIDTH, TAB_WIDTH, Snippet, snippet
from apology_lint.formatters.text import chunks
from apology_lint.runner import FileResult
from tests.test_growth import Work, assert_linear

UNIT = "We apologize for any inconvenience. "


def test_findings_on_one_long_line_grow_linearly() -> None:
    def make(n: int) -> Work:
        line = UNIT * (n // len(UNIT))
        spans = [(i + 17, i + 34) for i in range(0, len(line), len(UNIT))]

        def work() -> object:
            # A new string each run, as the text report splits the source again: what
            # is worked out once per line must be found by the text, not the object.
            text = line[:1] + line[1:]
            return [snippet(text, start, end) for start, end in spans]
        return work
    assert_linear(make, 4_000)


# --- the same snippets as measuring each line again ------------------------------------

def _measured_again(line: str, start: int, end: int) -> Snippet:
    """The snippet as it was computed before the line was measured once: every cell from
    the start of the line, for each finding (without the limit in characters, which only
    a line of zero-width characters reaches)."""
    cells: list[tuple[str, int]] = []
    column = 0
    for ch in line.rstrip("\r\n"):
        if ch == "\t":
            shown = " " * (TAB_WIDTH - column % TAB_WIDTH)
            cells.append((shown, len(shown)))
        elif unsafe(ch):
            cells.append(("\ufffd", 1))
        elif unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me"):
            cells.append((ch, 0))
        else:
            cells.append((ch, 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1))
        column += cells[-1][1]
    start = min(start, len(cells))
    end = min(max(end, start + 1), len(cells)) if cells else start
    before = sum(w for _, w in cells[:start])
    width = max(sum(w for _, w in cells[start:end]), 1)
    if sum(w for _, w in cells) <= MAX_WIDTH:
        return Snippet("".join(c for c, _ in cells), before, width)
    first, kept = start, 0
    while first > 0 and kept + cells[first - 1][1] <= 30:
        first -= 1
        kept += cells[first][1]
    shown_cells = ["…"] if first > 0 else []
    used, last = len(shown_cells), first
    while last < len(cells) and used + cells[last][1] <= MAX_WIDTH - 1:
        shown_cells.append(cells[last][0])
        used += cells[last][1]
        last += 1
    if last < len(cells):
        shown_cells.append("…")
    span = sum(w for _, w in cells[start:min(end, last)])
    return Snippet("".join(shown_cells), (1 if first > 0 else 0) + kept,
                   max(min(span, width), 1))


LINES = [
    "",
    "We apologize for any inconvenience.\r\n",
    "\t🙂 你好 We\tapologize for any inconvenience.",
    "é\u0301 cafe\u0301 \x1b[2J \u202eoverride\u202c \u200djoiner " * 40,
    "x" * 3000 + "\tWe apologize for any inconvenience.\t" + "你" * 3000,
    "🙂" * 49 + "ab",
    "\t" * 30 + "sorry",
]


@pytest.mark.parametrize("line", LINES, ids=range(len(LINES)))
def test_snippets_are_those_of_measuring_each_line_again(line: str) -> None:
    size = len(line)
    spans = {(0, 0), (0, 1), (size, size + 5), (size - 1, size + 3), (size // 2, size // 2),
             (size // 2, size // 2 + 17), (size // 3, size), (3, 200), (40, 41)}
    for start, end in sorted(spans):
        start = max(start, 0)
        assert snippet(line, start, end) == _measured_again(line, start, end), (start, end)


def test_the_text_report_of_many_lines_grows_linearly(linter: Linter) -> None:
    """The source was split into lines again for every finding: a file of n lines with a
    finding on each cost n² in the text report."""
    def make(n: int) -> Work:
        source = UNIT.strip() + "\n"
        text = source * (n // len(source))
        report = linter.lint(text, path="long.txt", kind="apology")
        file = FileResult("long.txt", text, report, fail_level="error", min_score=0)
        return lambda: "".join(chunks([file], colour=False))
    assert_linear(make, 20_000)
