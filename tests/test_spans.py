"""For any input, every reported span lies inside the text and its text is that slice."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apology_lint import Linter

from .spans import assert_spans_are_slices

WORDS = st.sampled_from([
    "We're", "sorry", "we", "deleted", "your", "data", "but", "if", "you", "were", "affected",
    "Mistakes", "were", "made", "any", "inconvenience", "just", "a", "minor", "delay", "soon",
    "our", "vendor", "caused", "it", "“quoted”", "’", "\n", "\n\n", ".", ",", "!", "😅", "12:30",
    "UTC", "é", "\u200f", "\t", "Regards,", "Maria", "—",
])
TEXT = st.one_of(st.text(max_size=300), st.lists(WORDS, max_size=60).map(" ".join))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXT)
def test_spans_are_slices_of_the_text(linter: Linter, text: str) -> None:
    report = linter.lint(text, kind="apology")
    assert_spans_are_slices(report, text)
    assert 0 <= report.score <= 100


def test_long_text_is_split_and_offsets_kept(linter: Linter) -> None:
    paragraph = "We're sorry this happened. Mistakes were made during the migration.\n\n"
    text = paragraph * 3000  # about 200,000 characters: more than one parse chunk
    report = linter.lint(text, kind="apology")
    assert report.findings
    for f in report.findings:
        assert text[f.span.start:f.span.end] == f.text
    last = max(f.span.start for f in report.findings)
    assert last > 150_000
