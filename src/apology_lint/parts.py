"""The parts of a message, one definition each (``rules/parts/<name>.yaml``).

A part is something a sentence can carry: an apology, ownership, the impact, a remedy, a
current action… Its file says everything about it:

* ``element``: whether it is an element of the report's anatomy;
* ``finder``: how the rules find it: lexicons per sentence (``sentences``), or code in
  ``annotate.py`` for the few that need the parse (``code``), plus other parts' sentences
  that count as this one (``include``);
* ``model``: which label of the trained parts model finds it, from what score;
* ``use``: where its sentences come from: the finder, the model, or either;

and ``rules/scoring.yaml`` credits it by name.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .errors import RuleError, suggest
from .models import ELEMENT_NAMES
from .rulespec import RuleSpec, load_yaml_model

PARTS_FOLDER = "parts"
Use = Literal["rules", "model", "either"]


class ModelLabel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str
    threshold: float = Field(gt=0.0, lt=1.0)
    # Lexicons that rule a model sentence out: what the part's definition excludes
    # whoever finds the sentence ("a credit on request" is not a remedy).
    unless: list[str] = []


class Alternative(BaseModel):
    """A sentence carries the part when every lexicon in ``all`` matches it and none in
    ``none`` does."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    all: list[str] = Field(min_length=1)
    none: list[str] = []
    # Not one of these before the first ``all`` lexicon's match ("may be rolling back").
    none_before: list[str] = []
    # The first ``all`` lexicon's match is not negated in its clause ("we have not…").
    not_negated: bool = False

    def lexicons(self) -> list[str]:
        return [*self.all, *self.none, *self.none_before]


# Parts found by Python code in annotate.py because they need the parse.
CodeFinder = Literal["apologies", "ownership", "explanation"]
# Facts the annotation pass computes for the whole message that a part may include.
MESSAGE_FACTS = ("signoff",)


class Finder(BaseModel):
    """How the rules find a part: code, or lexicons per sentence (any alternative is
    enough), plus the sentences of other parts that count as this one."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: CodeFinder | None = None
    sentences: list[Alternative] = []
    include: list[str] = []


class PartSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[a-z][a-z_]*$")
    description: str
    # Shown in the report's anatomy (``Elements``); other parts are facts rules read.
    element: bool
    model: ModelLabel | None = None
    finder: Finder | None = None
    # Where the part's sentences come from: the rule-based finder, the model, or either.
    use: Use = "either"


def check_lexicons(parts: dict[str, PartSpec], known: set[str]) -> None:
    """Every lexicon a finder names exists (else an error with the nearest name)."""
    for name, spec in parts.items():
        named = [lexicon for alternative in (spec.finder.sentences if spec.finder else [])
                 for lexicon in alternative.lexicons()]
        if spec.model is not None:
            named += spec.model.unless
        for lexicon in named:
            if lexicon not in known:
                raise RuleError(f"parts/{name}.yaml: unknown lexicon "
                                f"'{lexicon}'{suggest(lexicon, known)}")


# Facts of the whole message a detector may read besides the parts.
DETECTOR_FACTS = ("times", "signoff")


def check_rule_facts(rules: Iterable[RuleSpec], parts: dict[str, PartSpec]) -> None:
    """Every part a rule's detector names exists."""
    known = set(parts) | set(DETECTOR_FACTS)
    for rule in rules:
        for n, detector in enumerate(rule.detectors):
            for fact in getattr(detector, "facts", list)():
                if fact not in known:
                    raise RuleError(f"rule '{rule.id}': detectors.{n}: unknown part "
                                    f"'{fact}'{suggest(fact, known)}; the parts are in "
                                    "rules/parts/")


def load_parts(folder: Path) -> dict[str, PartSpec]:
    parts: dict[str, PartSpec] = {}
    for path in sorted((folder / PARTS_FOLDER).glob("*.yaml")):
        spec = load_yaml_model(path, PartSpec)
        if path.stem != spec.name:
            raise RuleError(f"{path}: name: '{spec.name}' must match the file name")
        if spec.use != "rules" and spec.model is None:
            raise RuleError(f"{path}: use: '{spec.use}' needs a model label")
        if spec.use != "model" and (spec.finder is None or not (
                spec.finder.code or spec.finder.sentences)):
            raise RuleError(f"{path}: use: '{spec.use}' needs a finder")
        parts[spec.name] = spec
    for name, spec in parts.items():
        for other in spec.finder.include if spec.finder else []:
            if other not in parts and other not in MESSAGE_FACTS:
                raise RuleError(f"{folder / PARTS_FOLDER / name}.yaml: finder.include: "
                                f"unknown part '{other}'")
    elements = {name for name, spec in parts.items() if spec.element}
    if parts and elements != set(ELEMENT_NAMES):
        raise RuleError(f"{folder / PARTS_FOLDER}: the parts marked 'element: true' must be "
                        f"the report's elements ({', '.join(ELEMENT_NAMES)}), not "
                        f"{', '.join(sorted(elements))}")
    return parts
