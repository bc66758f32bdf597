"""Detectors turn a rule file's ``detectors:`` entries into code that finds hits."""

from __future__ import annotations

from typing import Any

from ..errors import RuleError
from ..lexicons import Lexicons
from ..rulespec import (
    DependencyDetector,
    LexicalDetector,
    NamedDetector,
    PresenceDetector,
    RuleSpec,
    SourceDetector,
)
from . import completeness, named, tone  # noqa: F401  (register the named detectors)
from .base import NAMED, Detector, Hit
from .dependency import Dependency
from .lexical import Lexical
from .presence import Presence

__all__ = ["Detector", "Hit", "build_detectors"]


class _Named:
    def __init__(self, spec: NamedDetector, where: str) -> None:
        if spec.name not in NAMED:
            known = ", ".join(sorted(NAMED))
            raise RuleError(f"{where}: name: unknown named detector '{spec.name}' (known: {known})")
        self.fn = NAMED[spec.name]
        self.params = spec.params

    def run(self, a: Any, kind: Any) -> list[Hit]:
        return self.fn(a, kind, self.params)


def build_detectors(rule: RuleSpec, lex: Lexicons, vocab: Any) -> list[Detector]:
    built: list[Detector] = []
    for n, spec in enumerate(rule.detectors):
        where = f"rule '{rule.id}': detectors.{n}"
        if isinstance(spec, LexicalDetector):
            built.append(Lexical(spec, lex, where))
        elif isinstance(spec, DependencyDetector):
            built.append(Dependency(spec, lex, vocab, where))
        elif isinstance(spec, PresenceDetector):
            built.append(Presence(spec))
        elif isinstance(spec, SourceDetector):
            continue  # reported by the engine while reading the file
        else:
            built.append(_Named(spec, where))
    return built
