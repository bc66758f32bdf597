"""The score: per-dimension scores, weights per kind, gates and a band (research §5)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from .annotate import Analysis
from .elements import marks_for
from .errors import RuleError, suggest
from .models import DIMENSIONS, Band, Finding, Kind, ScoreGain
from .rulespec import SCORING_FILE, ScoringSpec

_APPLIED = re.compile(
    r"\b(?:we(?:'ve|\s+have)|has\s+been|have\s+been|already|automatically)\b", re.IGNORECASE)
_DIGIT = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten)\b", re.IGNORECASE)


# Credits a message earns besides its parts (``rules/parts/``): properties computed
# below. A credit in scoring.yaml that is neither a part nor one of these is an error
# (``check_credits``), not a silent 0.
DERIVED_CREDITS = ("base", "first_person", "understanding", "specificity",
                   "component_symptom", "remedy_specific", "remedy_applied",
                   "prevention_dated", "prevention_bounded")


def check_credits(spec: ScoringSpec, parts: Iterable[str]) -> None:
    known = set(parts) | set(DERIVED_CREDITS)
    for kind, dims in spec.credits.items():
        for dim, credits in dims.items():
            for name in credits:
                if name not in known:
                    raise RuleError(f"{SCORING_FILE}: credits.{kind}.{dim}: unknown credit "
                                    f"'{name}'{suggest(name, known)}; a credit is a part of "
                                    f"rules/parts/ or one of: "
                                    f"{', '.join(DERIVED_CREDITS)}")
                if name != "base" and name not in spec.hints:
                    raise RuleError(f"{SCORING_FILE}: credit '{name}' has no entry in hints "
                                    "(what it asks of the writer, for reports)")


def present_credits(a: Analysis, parts: Iterable[str]) -> set[str]:
    """Which credit names the message earns."""
    lex = a.lex
    text = a.text
    sents = {s.index: s.text for s in a.sentences()}
    facts = {name for name in parts if marks_for(a, name)}
    if a.first_person_subject:
        facts.add("first_person")
    if lex.regex("understanding").search(text):
        facts.add("understanding")
    words = max(a.word_count, 1)
    if 100.0 * len(a.spec) / words >= 2.0:
        facts.add("specificity")
    if any(a.search("symptoms", s) and a.search("concrete_causes", s)
           for s in a.sentences()):
        facts.add("component_symptom")
    remedy_text = " ".join(sents.get(m.sent, "") for m in a.remedy)
    if _DIGIT.search(remedy_text) or lex.regex("time_expressions").search(remedy_text):
        facts.add("remedy_specific")
    if _APPLIED.search(remedy_text):
        facts.add("remedy_applied")
    prevention_text = " ".join(sents.get(m.sent, "") for m in a.prevention)
    if lex.regex("time_expressions").search(prevention_text):
        facts.add("prevention_dated")
    if "prevention" in facts and not lex.regex("absolute_prevention").search(text):
        facts.add("prevention_bounded")
    return facts


def dimension_scores(
    spec: ScoringSpec, kind: Kind, present: set[str], findings: Iterable[Finding],
) -> dict[str, int]:
    return _with_penalties(spec, _credit_scores(spec, kind, present), findings)


def _credit_scores(spec: ScoringSpec, kind: Kind, present: set[str]) -> dict[str, int]:
    """Each dimension's credits earned, before any cap."""
    return {dim: sum(points for name, points in spec.credits[kind][dim].items()
                     if name == "base" or name in present) for dim in DIMENSIONS}


def _with_penalties(spec: ScoringSpec, earned: dict[str, int],
                    findings: Iterable[Finding]) -> dict[str, int]:
    return _penalized(earned, _penalties(spec, findings), set())


# A finding's dimension, its rule and the points it takes off.
Penalty = tuple[str, str, float]


def _penalties(spec: ScoringSpec, findings: Iterable[Finding]) -> list[Penalty]:
    """What each finding takes off: its severity's penalty times the repeat decay of its
    place among its rule's findings."""
    seen: Counter[str] = Counter()
    penalties: list[Penalty] = []
    for f in findings:
        decay = spec.repeat_decay[min(seen[f.rule], len(spec.repeat_decay) - 1)]
        seen[f.rule] += 1
        penalties.append((f.dimension, f.rule, spec.penalties[f.severity] * decay))
    return penalties


def _penalized(earned: dict[str, int], penalties: list[Penalty],
               cleared: set[str]) -> dict[str, int]:
    """The dimension scores, the findings of the ``cleared`` rules left out. Leaving out
    all of a rule's findings leaves the other rules' repeat decay as it was, so the
    penalties are worked out once for every change ``score_gains`` tries."""
    scores = {dim: min(100.0, float(points)) for dim, points in earned.items()}
    for dim, rule, points in penalties:
        if rule not in cleared:
            scores[dim] -= points
    return {dim: max(0, round(score)) for dim, score in scores.items()}


def overall(spec: ScoringSpec, kind: Kind, dims: dict[str, int],
            findings: list[Finding]) -> tuple[int, Band]:
    score = _gated(spec, kind, dims, _gates(spec, findings), set())
    return score, band(spec, score)


def _gates(spec: ScoringSpec, findings: list[Finding]) -> list[tuple[int, set[str]]]:
    """Each gate's cap, and the rules whose findings close it."""
    return [(gate.cap, {f.rule for f in findings if f.severity == gate.severity
                        and (not gate.rules or f.rule in gate.rules)})
            for gate in spec.gates]


def _gated(spec: ScoringSpec, kind: Kind, dims: dict[str, int],
           gates: list[tuple[int, set[str]]], cleared: set[str]) -> int:
    """The overall score, capped by every gate a finding of a rule not ``cleared``
    closes."""
    weights = spec.weights[kind]
    total = sum(weights[d] * dims[d] for d in DIMENSIONS) / max(sum(weights.values()), 1e-9)
    score = round(total)
    for cap, rules in gates:
        if not rules <= cleared:
            score = min(score, cap)
    return score


def score_gains(spec: ScoringSpec, kind: Kind, present: set[str], findings: list[Finding],
                missing_rules: dict[str, set[str]]) -> list[ScoreGain]:
    """What would raise the score, and by how much: each credit the message misses
    (adding a part also clears the rules that report it missing, ``missing_rules``) and
    each other rule's findings fixed (which may also lift a gate). Largest first; only
    changes that add a point or more."""
    # The credits are summed once; a missing credit adds its points to its dimension.
    # The penalties and gates too: each change below only leaves out some rules' findings.
    earned = _credit_scores(spec, kind, present)
    penalties = _penalties(spec, findings)
    gates = _gates(spec, findings)
    now = _gated(spec, kind, _penalized(earned, penalties, set()), gates, set())
    gains: list[ScoreGain] = []
    missing: dict[str, dict[str, int]] = {}  # credit -> the points it adds, by dimension
    for dim, credits in spec.credits[kind].items():
        for name, points in credits.items():
            if name != "base" and name not in present:
                missing.setdefault(name, {})[dim] = points
    for name in sorted(missing):
        cleared = missing_rules.get(name, set())
        more = {dim: earned[dim] + missing[name].get(dim, 0) for dim in earned}
        with_it = _penalized(more, penalties, cleared)
        gained = _gated(spec, kind, with_it, gates, cleared) - now
        if gained > 0:
            gains.append(ScoreGain(add=name, points=gained, hint=spec.hints[name]))
    counts = Counter(f.rule for f in findings)
    for rule in sorted(set(counts) - set().union(*missing_rules.values())):
        points = _gated(spec, kind, _penalized(earned, penalties, {rule}), gates, {rule}) - now
        if points > 0:
            count = counts[rule]
            gains.append(ScoreGain(fix=rule, points=points,
                                   hint=f"{count} finding{'s' if count > 1 else ''}"))
    return sorted(gains, key=lambda g: (-g.points, g.add or g.fix or ""))


def band(spec: ScoringSpec, score: int) -> Band:
    for name in ("send-ready", "good", "needs work"):
        if score >= spec.bands[name]:
            return name
    return "rewrite"
