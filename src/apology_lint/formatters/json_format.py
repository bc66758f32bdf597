"""``--format json``: the pydantic serialisation of ``RunReport`` (the versioned contract)."""

from __future__ import annotations

from ..models import RunReport


def render(run: RunReport) -> str:
    return run.model_dump_json(indent=2) + "\n"
