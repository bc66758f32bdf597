"""The span check several test modules share: computed from the text, not the linter."""

from __future__ import annotations

import re

from apology_lint import Report
from apology_lint.models import ELEMENT_NAMES


def assert_spans_are_slices(report: Report, source: str) -> None:
    """Every finding and every piece of evidence is a slice of ``source``, with the
    1-based line and column of its start offset."""
    for f in report.findings:
        assert 0 <= f.span.start <= f.span.end <= len(source)
        assert source[f.span.start:f.span.end] == f.text
        # Lines end at LF, CRLF or a lone CR, as editors show them.
        lines_before = re.split(r"\r\n|\r|\n", source[:f.span.start])
        assert f.span.line == len(lines_before)
        assert f.span.column == len(lines_before[-1]) + 1
    for name in ELEMENT_NAMES:
        for e in getattr(report.elements, name):
            assert source[e.start:e.end] == e.text
