"""Rule reference text generated from the rule files (``--list-rules``, ``--explain``).

Everything shown comes from ``rules/*.yaml``, so the reference cannot drift from what the
linter checks.
"""

from __future__ import annotations

import difflib
import textwrap

from .errors import ApologyLintError
from .models import KINDS
from .rulespec import RuleSpec

_WIDTH = 88


def severities(rule: RuleSpec) -> str:
    """"apology: warning, update: info" (kinds the rule is off for are left out)."""
    return ", ".join(f"{kind}: {rule.severity[kind]}" for kind in KINDS if kind in rule.severity)


def list_rules(rules: list[RuleSpec]) -> str:
    rows = [("rule", "catalog", "dimension", "apology", "update", "resolution", "title")]
    for rule in sorted(rules, key=lambda r: r.id):
        rows.append((rule.id, rule.catalog, rule.dimension,
                     *(rule.severity.get(kind, "-") for kind in KINDS), rule.title))
    widths = [max(len(row[i]) for row in rows) for i in range(6)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row[:6], widths, strict=True))
             + "  " + row[6] for row in rows]
    lines.append(f"\n{len(rules)} rules. Details: apology-lint --explain RULE")
    return "\n".join(lines) + "\n"


def find_rule(rules: list[RuleSpec], rule_id: str) -> RuleSpec:
    by_id = {r.id: r for r in rules}
    if rule_id in by_id:
        return by_id[rule_id]
    close = difflib.get_close_matches(rule_id, by_id, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else "; see apology-lint --list-rules"
    raise ApologyLintError(f"unknown rule '{rule_id}'{hint}")


def _para(text: str, indent: str = "  ") -> str:
    return textwrap.fill(" ".join(text.split()), _WIDTH, initial_indent=indent,
                         subsequent_indent=indent)


def explain(rule: RuleSpec) -> str:
    out = [f"{rule.id} ({rule.catalog}): {rule.title}", ""]
    out.append(f"dimension: {rule.dimension}")
    out.append(f"severity:  {severities(rule)}")
    for variant, table in (("escalated", rule.severity_when.escalated),
                           ("downgraded", rule.severity_when.downgraded)):
        if table:
            shown = ", ".join(f"{k}: {v}" for k, v in table.items())
            out.append(f"           {variant}: {shown}")
    out += ["", "What it reports:", _para(rule.message), "", "Why:", _para(rule.rationale.text),
            "", "Sources:"]
    out += [f"  - {source}" for source in rule.rationale.sources]
    out += ["", "Instead:", _para(rule.suggestion.replace('"{flagged}"', "the flagged words")),
            "", "Fires on:"]
    out += [_para(example, "  ✗ ") for example in rule.examples.bad]
    out += ["", "Does not fire on:"]
    out += [_para(example, "  ✓ ") for example in rule.examples.good]
    return "\n".join(out) + "\n"
