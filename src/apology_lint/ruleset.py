"""The rules a linter runs, loaded and checked once: the rule files and packs, the
lexicons, the parts of a message, the scoring, and what the command line or the
configuration chose (select, ignore, severities)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .config import check_linter_arguments
from .detectors import Detector, build_detectors
from .errors import RuleError, suggest
from .lexicons import Lexicons
from .models import Severity
from .parts import Use, check_lexicons, check_rule_facts, load_parts
from .resources import builtin_rules_dir
from .rulespec import (
    SCORING_FILE,
    PresenceDetector,
    RuleSpec,
    ScoringSpec,
    load_rule_files,
    load_rule_packs,
    load_yaml_model,
)
from .scoring import check_credits


class RuleSet:
    """Everything about the rules, nothing about parsing: a ``Linter`` loads one, then
    the pipeline, then the rules' detectors with the pipeline's vocabulary."""

    def __init__(
        self,
        rules_dir: Path | None = None,
        select: Iterable[str] | None = None,
        ignore: Iterable[str] = (),
        extend_lexicons: dict[str, list[str]] | None = None,
        rule_packs: Iterable[Path] = (),
        severity: dict[str, Severity] | None = None,
        parts_use: Use | None = None,
    ) -> None:
        folder = rules_dir or builtin_rules_dir()
        rule_packs = list(rule_packs)
        # Patterns from a rule pack are the user's: they run under a time limit.
        self.lexicons = Lexicons.from_folder(folder / "lexicons", extend_lexicons,
                                             guarded=bool(rule_packs))
        all_rules = load_rule_files(folder)
        all_rules += [rule for rule, _ in
                      load_rule_packs(rule_packs, {r.id for r in all_rules})]
        self.severity_overrides = dict(severity or {})
        self.scoring = load_yaml_model(folder / SCORING_FILE, ScoringSpec)
        self.parts = load_parts(folder)
        check_lexicons(self.parts, set(self.lexicons.names()))
        check_rule_facts(all_rules, self.parts)
        check_credits(self.scoring, self.parts)
        self.parts_use = parts_use
        self.known_rules = {r.id for r in all_rules}
        select = None if select is None else list(select)
        ignore = list(ignore)
        check_linter_arguments(self.known_rules, select, ignore, self.severity_overrides)
        wanted = set(select) if select is not None else self.known_rules
        self.rules: list[RuleSpec] = [
            r for r in all_rules if r.id in wanted and r.id not in set(ignore)
        ]
        self.by_id = {r.id: r for r in self.rules}
        # Adding a part also clears the rules that fire when it is missing.
        self.missing_rules: dict[str, set[str]] = {}
        for rule in self.rules:
            for d in rule.detectors:
                if isinstance(d, PresenceDetector):
                    self.missing_rules.setdefault(d.fact, set()).add(rule.id)
        for rule in all_rules:
            for other in rule.yields_to:
                if other not in self.known_rules:
                    raise RuleError(f"{rule.id}: yields_to: unknown rule id '{other}'"
                                    f"{suggest(other, self.known_rules)}")
        self.yields_to = {r.id: set(r.yields_to) for r in self.rules if r.yields_to}

    def detectors(self, vocab: Any) -> dict[str, list[Detector]]:
        """Each enabled rule's detectors, compiled against the pipeline's ``vocab``."""
        return {rule.id: build_detectors(rule, self.lexicons, vocab) for rule in self.rules}
