"""apology-lint: lint the messages a company sends its clients after a mistake."""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any

from .errors import ApologyLintError, InputError, PipelineError, RuleError
from .models import (
    Elements,
    Evidence,
    Finding,
    Readability,
    Report,
    RunReport,
    Span,
    Summary,
    ToolInfo,
)

if TYPE_CHECKING:
    from .engine import Linter, lint


def __getattr__(name: str) -> Any:
    # The engine imports spaCy (about a second): only when it is used, so that
    # `apology-lint --help`, `--version` and `--list-rules` start at once.
    if name in ("Linter", "lint"):
        from . import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'apology_lint' has no attribute {name!r}")


__all__ = [
    "ApologyLintError",
    "Elements",
    "Evidence",
    "Finding",
    "InputError",
    "Linter",
    "PipelineError",
    "Readability",
    "Report",
    "RuleError",
    "RunReport",
    "Span",
    "Summary",
    "ToolInfo",
    "__version__",
    "lint",
]
