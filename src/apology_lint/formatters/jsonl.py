"""``--format jsonl``: one file's report per line, each with the schema version, for
streaming into analytics jobs."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ..models import SCHEMA_VERSION

if TYPE_CHECKING:
    from ..runner import FileResult


def chunks(files: Iterable[FileResult]) -> Iterator[str]:
    """One line per file, written as the file finishes."""
    for file in files:
        yield json.dumps({"schema_version": SCHEMA_VERSION,
                          **file.report.model_dump(mode="json")}, ensure_ascii=False) + "\n"
