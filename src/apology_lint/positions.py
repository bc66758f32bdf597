"""Character offsets to 1-based line and column numbers."""

from __future__ import annotations

from bisect import bisect_right

from .models import Evidence, Span


class LineIndex:
    def __init__(self, text: str) -> None:
        self.text = text
        self._starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

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
