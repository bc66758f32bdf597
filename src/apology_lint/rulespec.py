"""Rules, lexicons and scoring weights are data: these models validate the YAML files.

Unknown keys are rejected, and every error names the file and the key, so a typo in a
user's rule pack is reported as precisely as a bad value.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import InputError, RuleError
from .models import Dimension, Kind, Severity
from .safe_yaml import load_yaml
from .sources import read_bytes

RULE_ID_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- detectors ---------------------------------------------------------------------

# A part of a message (``rules/parts/<name>.yaml``) that a detector reads; the linter
# checks every name against the parts registry when it loads the rules.
Fact = str


class NearGuard(_Spec):
    """Drop a hit when one of these facts is in its sentence or the next ``after`` ones."""

    facts: list[Fact] = Field(min_length=1)
    same_sentence: bool = True
    after: int = Field(default=1, ge=0, le=3)


class LexicalDetector(_Spec):
    """Regular expressions over each sentence (``{lexicon}`` expands to a lexicon)."""

    type: Literal["lexical"]
    patterns: list[str] = Field(min_length=1)
    # A hit is dropped when its sentence matches one of these (the rule's guards).
    unless_sentence: list[str] = []
    # A hit is kept only when its sentence matches one of these (when given).
    only_if_sentence: list[str] = []
    # A hit is dropped when a fact is found nearby ("our intention was…; we should have…").
    unless_near: NearGuard | None = None
    # A hit is dropped when a negation ("not", "never", "n't") precedes it in its clause.
    unless_negated: bool = False
    # A hit whose sentence matches one of these takes the rule's "escalated" severity.
    escalate_if_sentence: list[str] = []
    # Hits take the "escalated" severity when the message has none of this fact
    # (e.g. "regret" is an error when the message has no real apology anywhere).
    escalate_unless_present: Fact | None = None
    # Hits take the "downgraded" severity when their sentence matches one of these.
    downgrade_if_sentence: list[str] = []
    # The severity variant every hit of this detector takes (escalation rules aside).
    level: Literal["normal", "escalated", "downgraded"] = "normal"
    # Only in sentences that carry this part (as the parts model or its finder says):
    # "the ISP network" is blame only where the sentence places the cause there.
    only_in_part: Fact | None = None
    # A hit is dropped when it is a proper name that only qualifies the noun after it
    # ("Microsoft Teams", "the GCP us-central1 region", "reduce AWS dependencies"), unless
    # that noun is in this lexicon ("an AWS outage"): the name is not the cause there.
    unless_name_qualifies: str | None = None

    def facts(self) -> list[str]:
        guard = self.unless_near.facts if self.unless_near else []
        return [*guard, *filter(None, [self.escalate_unless_present, self.only_in_part])]


class DependencyDetector(_Spec):
    """spaCy ``DependencyMatcher`` patterns; ``$lexicon`` in an ``IN`` list expands it."""

    type: Literal["dependency"]
    patterns: list[list[dict[str, Any]]] = Field(min_length=1)
    # Which node of the pattern the finding points at; its subtree is the span.
    anchor: str
    unless_negated: bool = False
    unless_sentence: list[str] = []
    escalate_if_node_in: dict[str, str] = {}


class PresenceDetector(_Spec):
    """Message-level: the rule fires when an element of a good message is missing."""

    type: Literal["presence"]
    fact: Fact
    # Only check when the message reports an incident that is still going on.
    only_if_ongoing: list[Kind] = []
    # Only check messages with at least this many sentences.
    min_sentences: int = Field(default=1, ge=1)

    def facts(self) -> list[str]:
        return [self.fact]


class NamedDetector(_Spec):
    """A detector written in Python for a rule that needs real logic."""

    type: Literal["named"]
    name: str
    params: dict[str, Any] = {}


class SourceDetector(_Spec):
    """Found while reading the file (broken template syntax, a suppression comment that
    does nothing); the engine reports these itself."""

    type: Literal["source"]


Detector = Annotated[
    LexicalDetector | DependencyDetector | PresenceDetector | NamedDetector | SourceDetector,
    Field(discriminator="type"),
]


# --- rules -------------------------------------------------------------------------


class Rationale(_Spec):
    text: str
    sources: list[str] = Field(min_length=1)


class Examples(_Spec):
    # The kind the examples are linted as (default: the first kind the rule is on for).
    kind: Kind | None = None
    # The syntax the examples are read as (default: linted exactly as written).
    syntax: Literal["text", "markdown", "html", "jinja", "handlebars", "mustache",
                    "liquid"] | None = None
    bad: list[str]
    good: list[str]


class SeverityVariants(_Spec):
    escalated: dict[Kind, Severity] = {}
    downgraded: dict[Kind, Severity] = {}


class RuleSpec(_Spec):
    id: str = Field(pattern=RULE_ID_PATTERN)
    # The research catalog's id (C, A, S, R); T for the tool's own rules about the file.
    catalog: str = Field(pattern=r"^[CASRT]\d{2}$")
    title: str
    dimension: Dimension
    # Severity per message kind; a kind that is absent means the rule is off for it.
    severity: dict[Kind, Severity]
    severity_when: SeverityVariants = SeverityVariants()
    message: str
    suggestion: str
    rationale: Rationale
    examples: Examples
    detectors: list[Detector] = Field(min_length=1)
    # Rules that explain the same words better: when one of them fires inside this rule's
    # span, this rule's finding is not reported (one phrase, one finding).
    yields_to: list[str] = []
    # Whether ``--fix`` applies this rule's computed rewrite unasked (``safe``), or only
    # the editor offers it, for the writer to check (``unsafe``); none: no rewrite.
    fix: Literal["safe", "unsafe"] | None = None


# --- lexicons ----------------------------------------------------------------------


class LexiconSpec(_Spec):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str
    # words: literal words or phrases; verbs: lemmas expanded to every inflection;
    # patterns: regular-expression fragments used as they are.
    type: Literal["words", "verbs", "patterns"]
    terms: list[str] = Field(min_length=1)


# --- scoring -----------------------------------------------------------------------


class Gate(_Spec):
    rules: list[str] = []  # empty: any rule
    severity: Severity
    cap: int = Field(ge=0, le=100)


class ScoringSpec(_Spec):
    penalties: dict[Severity, float]
    repeat_decay: list[float] = Field(min_length=1)
    weights: dict[Kind, dict[Dimension, float]]
    credits: dict[Kind, dict[Dimension, dict[str, int]]]
    gates: list[Gate]
    bands: dict[Literal["send-ready", "good", "needs work"], int]
    # What each credit asks of the writer, in a few words, for "what would raise the
    # score" in reports.
    hints: dict[str, str]


# --- loading -----------------------------------------------------------------------

M = TypeVar("M", bound=BaseModel)


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(top level)"
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    return f"{where}: {message}"


def load_yaml_model(path: Path, model: type[M]) -> M:
    """Read one YAML file into ``model``; any problem raises ``RuleError`` naming it."""
    try:
        # Safe and bounded: plain data only, no alias bomb, no nesting past the stack.
        # A rule pack is a repository's file: regular files only, size-capped.
        data = load_yaml(read_bytes(str(path)).decode("utf-8"))
    except InputError as exc:
        raise RuleError(str(exc)) from None
    except UnicodeDecodeError as exc:
        raise RuleError(f"{path}: cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise RuleError(f"{path}:{where} invalid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise RuleError(f"{path}: expected a mapping at the top level")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RuleError(f"{path}: {_describe(exc)}") from None


SCORING_FILE = "scoring.yaml"


def load_rule_files(folder: Path) -> list[RuleSpec]:
    """Every ``*.yaml`` in the folder is a rule, except the scoring weights."""
    # A rule saved as .yml would otherwise be skipped without a word.
    stray = sorted(folder.glob("*.yml"))
    if stray:
        raise RuleError(f"{stray[0]}: rule files end in .yaml; "
                        f"rename it to {stray[0].stem}.yaml")
    paths = [p for p in sorted(folder.glob("*.yaml")) if p.name != SCORING_FILE]
    rules = [load_yaml_model(p, RuleSpec) for p in paths]
    for path, rule in zip(paths, rules, strict=True):
        if path.stem != rule.id:
            raise RuleError(f"{path}: id: '{rule.id}' must match the file name "
                            f"'{path.stem}'; rename the file to {rule.id}.yaml")
    return rules


def load_rule_packs(packs: Iterable[Path], builtin: set[str]) -> list[tuple[RuleSpec, Path]]:
    """Each rule pack's rules, with the folder each comes from (for ``--list-rules`` and
    ``--explain``). A missing folder, or an id a built-in rule or another pack already
    has, is an error naming the file."""
    found: list[tuple[RuleSpec, Path]] = []
    owner: dict[str, Path] = {}
    for pack in packs:
        if not pack.is_dir():
            raise RuleError(f"{pack}: rule pack folder not found")
        for rule in load_rule_files(pack):
            where = pack / f"{rule.id}.yaml"
            if rule.id in builtin:
                raise RuleError(f"{where}: id: '{rule.id}' is a built-in rule; "
                                "give your rule its own id")
            if rule.id in owner:
                raise RuleError(f"{where}: id: '{rule.id}' is also a rule of the pack "
                                f"{owner[rule.id]}; give one of them another id")
            owner[rule.id] = pack
            found.append((rule, pack))
    return found


def load_lexicon_files(folder: Path) -> dict[str, LexiconSpec]:
    lexicons: dict[str, LexiconSpec] = {}
    for path in sorted(folder.glob("*.yaml")):
        spec = load_yaml_model(path, LexiconSpec)
        if path.stem != spec.name:
            raise RuleError(f"{path}: name: '{spec.name}' must match the file name")
        lexicons[spec.name] = spec
    return lexicons
