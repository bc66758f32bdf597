"""``--format json``: the pydantic serialisation of ``RunReport`` (the versioned contract)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ..models import RunReport, Summary

if TYPE_CHECKING:
    from ..runner import FileResult

# A file's report sits two levels deep in the document: inside the object, in "files".
_FILE_INDENT = " " * 4
_NO_FILES = '"files": []'


def chunks(files: Iterable[FileResult]) -> Iterator[str]:
    """``RunReport.model_dump_json(indent=2)`` and a newline, written one file's report at
    a time as the files finish: the document is never held whole, and neither are the
    reports. The summary, which comes after the files, is counted on the way."""
    from . import Totals, tool

    def frame(summary: Summary) -> str:
        return RunReport(tool=tool(), files=[], summary=summary).model_dump_json(indent=2)

    totals = Totals()
    empty = Summary(files=0, errors=0, warnings=0, infos=0, mean_score=None)
    opening = frame(empty).split(_NO_FILES, 1)[0]
    n = -1
    for n, file in enumerate(totals.counted(files)):
        body = file.report.model_dump_json(indent=2).replace("\n", "\n" + _FILE_INDENT)
        yield (opening + '"files": [' if n == 0 else ",") + "\n" + _FILE_INDENT + body
    closing = frame(totals.summary()).split(_NO_FILES, 1)[1]
    yield (opening + _NO_FILES if n < 0 else "\n  ]") + closing + "\n"
