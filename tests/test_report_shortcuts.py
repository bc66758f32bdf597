"""The cheaper ways the annotation pass and the score work give the answers the plain
ways gave: lexicon searches made once per sentence, and the score gains computed from
penalties worked out once."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from apology_lint import Linter
from apology_lint.annotate import annotate
from apology_lint.models import DIMENSIONS, Finding, Kind, ScoreGain, Span
from apology_lint.rulespec import ScoringSpec
from apology_lint.scoring import overall, score_gains

TEXTS = [
    "",
    "Hi.",
    "We're sorry: a change we deployed on Tuesday broke logins for 20% of users. "
    "Our vendor didn't fail; we did. We have rolled it back and will write by Friday.",
    '> "Your service is down"\n\nA minor issue was just resolved. Mistakes were made.',
]


def test_a_sentence_search_is_the_lexicon_search(linter: Linter) -> None:
    for text in TEXTS:
        rules = linter.ruleset
        a = annotate(text, linter.nlp(text), rules.lexicons, parts=rules.parts)
        for name in ("symptoms", "causal_cues", "concrete_causes", "follow_up"):
            for sent in a.sents:
                first = a.search(name, sent)
                direct = linter.ruleset.lexicons.regex(name).search(sent.text)
                assert (first and first.span()) == (direct and direct.span())
                assert a.search(name, sent) is first  # asked again: the same answer


# --- the score gains, against the way they were computed before ------------------------


def _old_with_penalties(spec: ScoringSpec, earned: dict[str, int],
                        findings: list[Finding]) -> dict[str, int]:
    scores = {dim: min(100.0, float(points)) for dim, points in earned.items()}
    seen: Counter[str] = Counter()
    for f in findings:
        decay = spec.repeat_decay[min(seen[f.rule], len(spec.repeat_decay) - 1)]
        seen[f.rule] += 1
        scores[f.dimension] -= spec.penalties[f.severity] * decay
    return {dim: max(0, round(score)) for dim, score in scores.items()}


def _old_overall(spec: ScoringSpec, kind: Kind, dims: dict[str, int],
                 findings: list[Finding]) -> int:
    weights = spec.weights[kind]
    total = sum(weights[d] * dims[d] for d in DIMENSIONS) / max(sum(weights.values()), 1e-9)
    score = round(total)
    for gate in spec.gates:
        if any(f.severity == gate.severity and (not gate.rules or f.rule in gate.rules)
               for f in findings):
            score = min(score, gate.cap)
    return score


def _old_score_gains(spec: ScoringSpec, kind: Kind, present: set[str],
                     findings: list[Finding],
                     missing_rules: dict[str, set[str]]) -> list[ScoreGain]:
    earned: dict[str, int] = {
        dim: sum(points for name, points in spec.credits[kind][dim].items()
                 if name == "base" or name in present) for dim in DIMENSIONS}
    now = _old_overall(spec, kind, _old_with_penalties(spec, earned, findings), findings)
    gains: list[ScoreGain] = []
    missing: dict[str, dict[str, int]] = {}
    for dim, credits in spec.credits[kind].items():
        for name, points in credits.items():
            if name != "base" and name not in present:
                missing.setdefault(name, {})[dim] = points
    for name in sorted(missing):
        rest = [f for f in findings if f.rule not in missing_rules.get(name, set())]
        more = {dim: earned[dim] + missing[name].get(dim, 0) for dim in earned}
        gained = _old_overall(spec, kind, _old_with_penalties(spec, more, rest), rest) - now
        if gained > 0:
            gains.append(ScoreGain(add=name, points=gained, hint=spec.hints[name]))
    cleared = set().union(*missing_rules.values())
    for rule in sorted({f.rule for f in findings} - cleared):
        rest = [f for f in findings if f.rule != rule]
        points = _old_overall(spec, kind, _old_with_penalties(spec, earned, rest), rest) - now
        if points > 0:
            count = len(findings) - len(rest)
            gains.append(ScoreGain(fix=rule, points=points,
                                   hint=f"{count} finding{'s' if count > 1 else ''}"))
    return sorted(gains, key=lambda g: (-g.points, g.add or g.fix or ""))


def _finding(rule: str, severity: str, dimension: str) -> Finding:
    span = Span(start=0, end=1, line=1, column=1, end_line=1, end_column=2)
    return Finding(rule=rule, severity=severity, dimension=dimension,  # type: ignore[arg-type]
                   message="", suggestion="", span=span, text="x")


@pytest.mark.parametrize("seed", range(300))
def test_score_gains_are_as_before(linter: Linter, seed: int) -> None:
    rng = random.Random(seed)
    spec = linter.ruleset.scoring
    kind: Kind = rng.choice(["apology", "update", "resolution"])
    credits = sorted({name for dims in spec.credits.values() for c in dims.values()
                      for name in c if name != "base"})
    missing_rules = linter.ruleset.missing_rules
    rules = sorted({rule for gate in spec.gates for rule in gate.rules}
                   | set().union(*missing_rules.values()) | {"jargon", "minimizer"})
    present = set(rng.sample(credits, rng.randrange(len(credits) + 1)))
    findings = [_finding(rng.choice(rules), rng.choice(["error", "warning", "info"]),
                         rng.choice(DIMENSIONS)) for _ in range(rng.randrange(12))]
    assert score_gains(spec, kind, present, findings, missing_rules) == \
        _old_score_gains(spec, kind, present, findings, missing_rules)
    earned: dict[str, int] = {d: rng.randrange(130) for d in DIMENSIONS}
    dims = _old_with_penalties(spec, earned, findings)
    assert overall(spec, kind, dims, findings)[0] == _old_overall(spec, kind, dims, findings)
