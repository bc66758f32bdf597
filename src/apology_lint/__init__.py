"""apology-lint: lint the messages a company sends its clients after a mistake."""

from __future__ import annotations

__version__ = "0.1.0"

from .engine import Linter, lint
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
