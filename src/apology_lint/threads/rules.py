"""Thread rules are data: ``rules/threads/<id>.yaml``, each run by the check of its id.

A thread rule file has what a message rule file has (id, title, message, suggestion,
rationale with sources, examples, severity) plus ``params`` for its check, validated by
the check's own model so a typo is an error naming the file and key. Its examples are
small incidents written inline (a list of ``{ts, status, message}``, or a mapping with
``impact``/``started_at`` and ``messages``); a test runs them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from ..errors import RuleError, suggest
from ..lexicons import Lexicons
from ..models import Dimension, Kind, Severity
from ..resources import builtin_rules_dir
from ..rulespec import RULE_ID_PATTERN, Rationale, load_yaml_model
from .checks import CHECKS, Hit, Params, Thread, split_sentences
from .incident import Incident
from .readers import IncidentError, incident_from_messages

THREADS_FOLDER = "threads"
ExampleIncident = list[dict[str, Any]] | dict[str, Any]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ThreadExamples(_Spec):
    bad: list[ExampleIncident] = Field(min_length=1)
    good: list[ExampleIncident] = Field(min_length=1)


class ThreadRuleSpec(_Spec):
    id: str = Field(pattern=RULE_ID_PATTERN)
    # The research catalog's rule this is the thread mode of (S05, A06), if any; the
    # rule then has that rule's id. Rules the catalog does not name cite what they
    # follow in ``rationale``.
    catalog: str | None = Field(default=None, pattern=r"^[CASR]\d{2}$")
    title: str
    dimension: Dimension
    # One severity, or one per kind of the message the finding points at (a kind that is
    # absent: the rule is off for findings on it).
    severity: Severity | dict[Kind, Severity]
    # The severity of an escalated hit (the third content-less update in a row, a
    # critical incident without an apology).
    escalated: Severity | None = None
    message: str
    suggestion: str
    rationale: Rationale
    params: dict[str, Any] = {}
    examples: ThreadExamples

    def severity_for(self, kind: Kind, escalated: bool) -> Severity | None:
        if escalated and self.escalated is not None:
            return self.escalated
        if isinstance(self.severity, dict):
            return self.severity.get(kind)
        return self.severity

    def example_incidents(self, which: Literal["bad", "good"]) -> list[Incident]:
        examples: list[ExampleIncident] = getattr(self.examples, which)
        return [incident_from_messages(e, f"{self.id}-{which}-{n}")
                for n, e in enumerate(examples, 1)]


class ThreadFinding(_Spec):
    """A finding about the thread, on the message it concerns."""

    rule: str
    severity: Severity
    dimension: Dimension
    # 0-based position of the message in the (time-sorted) thread.
    message_index: int = Field(ge=0)
    ts: AwareDatetime
    # The message's line in the source file, when known.
    line: int | None = None
    # "span": the words at ``[start, end)`` of the message's text are at fault;
    # "message": the message as a whole (``text`` is its first sentence, for context).
    scope: Literal["span", "message"]
    start: int | None = None
    end: int | None = None
    text: str
    message: str
    suggestion: str
    # The facts behind this finding: the times, the gap, the promise.
    detail: str


def load_thread_rule_files(folder: Path) -> list[ThreadRuleSpec]:
    stray = sorted(folder.glob("*.yml"))
    if stray:
        raise RuleError(f"{stray[0]}: rule files end in .yaml; "
                        f"rename it to {stray[0].stem}.yaml")
    rules = []
    for path in sorted(folder.glob("*.yaml")):
        rule = load_yaml_model(path, ThreadRuleSpec)
        if path.stem != rule.id:
            raise RuleError(f"{path}: id: '{rule.id}' must match the file name "
                            f"'{path.stem}'; rename the file to {rule.id}.yaml")
        if rule.id not in CHECKS:
            raise RuleError(f"{path}: id: no thread check is called '{rule.id}'"
                            f"{suggest(rule.id, CHECKS)}")
        for which in ("bad", "good"):
            try:
                rule.example_incidents(which)
            except IncidentError as exc:
                raise RuleError(f"{path}: examples.{which}: {exc}") from None
        rules.append(rule)
    return rules


class ThreadRules:
    """The thread rules, their parameters checked, ready to run on incidents.

    ``params`` overrides rule parameters by rule id, e.g.
    ``{"broken-update-promise": {"grace_minutes": 5}, "update-gap": {"limit_minutes": 30}}``.
    """

    def __init__(self, rules_dir: Path | None = None,
                 params: dict[str, dict[str, Any]] | None = None,
                 select: Iterable[str] | None = None, ignore: Iterable[str] = (),
                 lexicons: Lexicons | None = None) -> None:
        folder = rules_dir or builtin_rules_dir()
        self.lexicons = lexicons or Lexicons.from_folder(folder / "lexicons")
        specs = load_thread_rule_files(folder / THREADS_FOLDER)
        known = {s.id for s in specs}
        for rule_id in [*(params or {}), *(select or []), *ignore]:
            if rule_id not in known:
                raise RuleError(f"unknown thread rule '{rule_id}'{suggest(rule_id, known)}")
        wanted = set(select) if select is not None else known
        self.rules: list[tuple[ThreadRuleSpec, Params]] = []
        for spec in specs:
            if spec.id not in wanted or spec.id in set(ignore):
                continue
            merged = {**spec.params, **(params or {}).get(spec.id, {})}
            try:
                checked = CHECKS[spec.id].params.model_validate(merged)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                why = "unknown key" if first["type"] == "extra_forbidden" else first["msg"]
                raise RuleError(f"thread rule '{spec.id}': params.{where}: {why}") from None
            self.rules.append((spec, checked))

    def check(self, incident: Incident) -> list[ThreadFinding]:
        """Every thread finding on the incident, in message order."""
        thread = Thread(incident, self.lexicons)
        findings = []
        for spec, params in self.rules:
            for hit in CHECKS[spec.id].function(thread, params):
                finding = _finding(spec, thread, hit)
                if finding is not None:
                    findings.append(finding)
        findings.sort(key=lambda f: (f.message_index, f.start or 0, f.rule))
        return findings


def _finding(spec: ThreadRuleSpec, thread: Thread, hit: Hit) -> ThreadFinding | None:
    message = thread.messages[hit.message]
    severity = spec.severity_for(message.kind, hit.escalated)
    if severity is None:
        return None
    if hit.start is not None and hit.end is not None:
        scope: Literal["span", "message"] = "span"
        text = message.text[hit.start:hit.end]
    else:
        scope = "message"
        first = split_sentences(message.text)
        text = first[0].text if first else ""
    return ThreadFinding(
        rule=spec.id, severity=severity, dimension=spec.dimension,
        message_index=hit.message, ts=message.ts, line=message.line, scope=scope,
        start=hit.start, end=hit.end, text=text, message=" ".join(spec.message.split()),
        suggestion=" ".join(spec.suggestion.split()), detail=hit.detail)
