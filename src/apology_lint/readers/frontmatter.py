"""YAML front matter (``---`` … ``---`` at the top of a file): settings, not prose.

A file may say what it is: ``kind: update``, and for the lateness check
``incident_start`` / ``sent_at``. Other keys belong to other tools and are ignored. The
front matter is removed from the text that is linted.
"""

from __future__ import annotations

import re
from datetime import datetime
from reprlib import repr as short_repr  # a value quoted in a message stays one short line
from typing import Any

import yaml

from ..models import KINDS
from ..safe_yaml import load_yaml
from .layer import Layer, Problem
from .offsets import OffsetMap, TextBuilder

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*(?:\r?\n|\Z)", re.DOTALL | re.MULTILINE)
_TIME_KEYS = ("incident_start", "sent_at")


def read_front_matter(source: str) -> tuple[dict[str, Any], Layer]:
    """The settings the front matter gives, and the rest of the file as a layer."""
    match = _FRONT_MATTER.match(source)
    if match is None:
        return {}, Layer(source, OffsetMap.identity(len(source)))
    builder = TextBuilder(source)
    builder.put("\n" * match.group(0).count("\n"), 0, match.end())  # keep line structure
    builder.keep(match.end(), len(source))
    text, offsets = builder.build()
    layer = Layer(text, offsets)

    def problem(message: str) -> tuple[dict[str, Any], Layer]:
        layer.problems.append(Problem(f"front matter: {message}", 0, 3))
        return {}, layer

    try:
        data = load_yaml(match.group(1))  # bounded: the file may come from anyone
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        return problem(f"invalid YAML{where}: {getattr(exc, 'problem', exc)}")
    if not isinstance(data, dict):
        return {}, layer
    settings: dict[str, Any] = {}
    if "kind" in data:
        if data["kind"] not in KINDS:
            return problem(f"kind must be one of {', '.join(KINDS)}, "
                           f"not {short_repr(data['kind'])}")
        settings["kind"] = data["kind"]
    for key in _TIME_KEYS:
        value = data.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return problem(f"{key} is not an ISO 8601 time: {short_repr(value)}")
        if not isinstance(value, datetime):
            return problem(f"{key} is not an ISO 8601 time: {short_repr(value)}")
        settings[key] = value
    return settings, layer
