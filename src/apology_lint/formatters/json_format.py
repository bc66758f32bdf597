"""``--format json``: the pydantic serialisation of ``RunReport`` (the versioned contract)."""

from __future__ import annotations

from collections.abc import Iterator

from ..models import RunReport

# A file's report sits two levels deep in the document: inside the object, in "files".
_FILE_INDENT = " " * 4


def render(run: RunReport) -> str:
    return "".join(chunks(run))


def chunks(run: RunReport) -> Iterator[str]:
    """``run.model_dump_json(indent=2)`` and a newline, one file's report at a time, so
    that the whole document is never held as one string next to the reports (a corpus
    run's JSON is tens of megabytes)."""
    if not run.files:
        yield run.model_dump_json(indent=2) + "\n"
        return
    frame = run.model_copy(update={"files": []}).model_dump_json(indent=2)
    before, after = frame.split('"files": []', 1)
    yield before + '"files": ['
    for n, report in enumerate(run.files):
        body = report.model_dump_json(indent=2).replace("\n", "\n" + _FILE_INDENT)
        yield ("," if n else "") + "\n" + _FILE_INDENT + body
    yield "\n  ]" + after + "\n"
