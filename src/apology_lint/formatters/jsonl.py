"""``--format jsonl``: one file's report per line, each with the schema version, for
streaming into analytics jobs."""

from __future__ import annotations

import json
from collections.abc import Iterator

from ..models import SCHEMA_VERSION, RunReport


def render(run: RunReport) -> str:
    return "".join(chunks(run))


def chunks(run: RunReport) -> Iterator[str]:
    """One line per file, made as it is written."""
    for report in run.files:
        yield json.dumps({"schema_version": SCHEMA_VERSION, **report.model_dump(mode="json")},
                         ensure_ascii=False) + "\n"
