"""``--format sarif``: SARIF 2.1.0, for GitHub code scanning and other SARIF consumers.

Rules carry their title, message, suggestion and rationale as help text; each result has
its location in the file as written (columns in Unicode code points, end column
exclusive, as SARIF defines them) and a snippet of the flagged words.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from ..models import SEVERITY_RANK, Severity
from ..rulespec import RuleSpec

if TYPE_CHECKING:
    from ..runner import FileResult

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL: dict[Severity, str] = {"error": "error", "warning": "warning", "info": "note"}


def artifact_location(path: str | None) -> dict[str, str]:
    """Where a result is: relative to the source root when the file is under the working
    folder; an absolute ``file:`` URI takes no base (SARIF 2.1.0, 3.4.4)."""
    uri = artifact_uri(path)
    return {"uri": uri} if uri.startswith("file:") else {"uri": uri, "uriBaseId": "%SRCROOT%"}


def artifact_uri(path: str | None) -> str:
    if not path or path == "-":
        return "-"  # standard input, named as everywhere else (--stdin-filename names it)
    p = Path(path)
    try:
        # A relative URI reference: percent-encoded, as a space, "#" or "%" in a file
        # name would otherwise change what it points at.
        return quote(p.resolve().relative_to(Path.cwd().resolve()).as_posix(), safe="/")
    except ValueError:
        return p.resolve().as_uri()


def rule_descriptor(rule: RuleSpec) -> dict[str, object]:
    worst = max(rule.severity.values(), key=lambda s: SEVERITY_RANK[s])
    help_text = (f"{rule.message.strip()}\n\nInstead: {rule.suggestion.strip()}\n\n"
                 f"Why: {rule.rationale.text.strip()}")
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.message.strip()},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": SARIF_LEVEL[worst]},
        "properties": {"tags": [rule.dimension, rule.catalog],
                       "severityByKind": {str(k): str(v) for k, v in rule.severity.items()}},
    }


# The minimum-score gate is reported as a result of its own rule, so code scanning shows
# why the check failed.
MIN_SCORE_RULE = {
    "id": "min-score",
    "name": "MinScore",
    "shortDescription": {"text": "Score below the minimum"},
    "fullDescription": {"text": "The message scores below the minimum score the run asks "
                                "for (--min-score or min-score in the configuration)."},
    "defaultConfiguration": {"level": "error"},
}


def _results(file: FileResult, index: dict[str, int], gate_index: int
             ) -> Iterator[dict[str, object]]:
    report = file.report
    for f in report.findings:
        s = f.span
        result: dict[str, object] = {
            "ruleId": f.rule,
            "level": SARIF_LEVEL[f.severity],
            "message": {"text": f"{f.message} Suggestion: {f.suggestion}"},
            "locations": [{"physicalLocation": {
                "artifactLocation": artifact_location(report.path),
                "region": {"startLine": s.line, "startColumn": s.column,
                           "endLine": s.end_line, "endColumn": s.end_column,
                           "charOffset": s.start, "charLength": s.end - s.start,
                           "snippet": {"text": f.text}},
            }}],
            # "message": something missing from the whole message; the region only
            # anchors it to the file's first written line.
            "properties": {"kind": report.kind, "score": report.score, "scope": f.scope},
        }
        if f.rule in index:
            result["ruleIndex"] = index[f.rule]
        yield result
    gate = file.below_min_score()
    if gate is not None:
        yield {
            "ruleId": "min-score", "ruleIndex": gate_index, "level": "error",
            "message": {"text": f"score {gate.score} is below the minimum score "
                                f"{gate.min_score}"},
            "locations": [{"physicalLocation": {
                "artifactLocation": artifact_location(report.path)}}],
            "properties": {"kind": report.kind, "score": report.score},
        }


# Results sit four levels deep in the log: the object, "runs", the run, "results".
_RESULT_INDENT = " " * 8
_NO_RESULTS = '"results": []'


def chunks(files: Iterable[FileResult], rules: list[RuleSpec]) -> Iterator[str]:
    """The log, as ``json.dumps(log, indent=2)`` and a newline would write it, with each
    file's results written as the file finishes."""
    from . import tool

    version = tool().version
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "apology-lint", "version": version,
                                "semanticVersion": version,
                                "rules": [*(rule_descriptor(r) for r in rules), MIN_SCORE_RULE]}},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().resolve().as_uri() + "/"}},
            "columnKind": "unicodeCodePoints",
            "results": [],
        }],
    }
    opening, closing = json.dumps(log, indent=2, ensure_ascii=False).split(_NO_RESULTS, 1)
    index = {rule.id: i for i, rule in enumerate(rules)}
    first = True
    for file in files:
        for result in _results(file, index, len(rules)):
            body = json.dumps(result, indent=2, ensure_ascii=False)
            yield ((opening + '"results": [' if first else ",") + "\n" + _RESULT_INDENT
                   + body.replace("\n", "\n" + _RESULT_INDENT))
            first = False
    yield (opening + _NO_RESULTS if first else "\n      ]") + closing + "\n"
