"""``--format github``: workflow commands GitHub Actions turns into annotations.

GitHub shows only a limited number of annotations per step, so a summary comes first.
Values are escaped as the runner expects: ``%``, CR and LF everywhere, and ``:`` and
``,`` in properties too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .snippet import printable

if TYPE_CHECKING:
    from ..runner import FileResult

_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _data(text: str) -> str:
    # CR and LF are escaped first: printable() would show a CR as a control character.
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(files: Iterable[FileResult]) -> str:
    """The summary, then each file's annotations (kept as lines, not reports, until the
    summary can be written)."""
    from . import Totals

    totals = Totals()
    lowest: int | None = None
    lines: list[str] = []
    for file in totals.counted(files):
        report = file.report
        lowest = report.score if lowest is None else min(lowest, report.score)
        path = _property(report.path or "-")
        for f in report.findings:
            sp = f.span
            # Something missing from the whole message is an annotation on the file,
            # not on a line that is not at fault.
            where = "" if f.scope == "message" else (
                f",line={sp.line},col={sp.column},endLine={sp.end_line},"
                f"endColumn={sp.end_column}")
            lines.append(
                f"::{_LEVEL[f.severity]} file={path}{where},"
                f"title={_property('apology-lint ' + f.rule)}::"
                + _data(f"{f.message}\nSuggestion: {f.suggestion}"))
        gate = file.below_min_score()
        if gate is not None:
            lines.append(f"::error file={path},title={_property('apology-lint min-score')}::"
                         + _data(f"score {gate.score} is below the minimum score "
                                 f"{gate.min_score}"))
    s = totals.summary()
    low = f"; lowest score {lowest}/100" if lowest is not None else ""
    summary = (f"::notice title={_property('apology-lint summary')}::"
               + _data(f"{s.files} files: {s.errors} errors, {s.warnings} warnings, "
                       f"{s.infos} info{low}"))
    return "\n".join([summary, *lines]) + "\n"
