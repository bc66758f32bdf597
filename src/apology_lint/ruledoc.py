"""Rule reference generated from the rule files (``--list-rules``, ``--explain``, and the
pages in ``docs/rules/``).

Everything shown comes from ``rules/*.yaml``, so the reference cannot drift from what the
linter checks.
"""

from __future__ import annotations

import difflib
import sys
import textwrap

from .errors import ApologyLintError
from .models import DIMENSIONS, KINDS
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


def _para(text: str) -> str:
    return textwrap.fill(" ".join(text.split()), _WIDTH)


def explain(rule: RuleSpec) -> str:
    """A rule's page: what ``--explain`` prints and ``docs/rules/<id>.md`` holds."""
    out = [f"# {rule.id} ({rule.catalog})", "", f"**{rule.title}**", "",
           f"- dimension: {rule.dimension}", f"- severity: {severities(rule)}"]
    for variant, table in (("escalated", rule.severity_when.escalated),
                           ("downgraded", rule.severity_when.downgraded)):
        if table:
            out.append(f"- {variant}: " + ", ".join(f"{k}: {v}" for k, v in table.items()))
    out += ["", "## What it reports", "", _para(rule.message), "", "## Why", "",
            _para(rule.rationale.text), "", "Sources:", ""]
    out += [f"- {source}" for source in rule.rationale.sources]
    out += ["", "## Instead", "",
            _para(rule.suggestion.replace('"{flagged}"', "the flagged words")), "",
            "## Fires on", ""]
    out += [f"- ✗ {' '.join(example.split())}" for example in rule.examples.bad]
    out += ["", "## Does not fire on", ""]
    out += [f"- ✓ {' '.join(example.split())}" for example in rule.examples.good]
    return "\n".join(out) + "\n"


def index(rules: list[RuleSpec]) -> str:
    """``docs/rules/README.md``: every rule by dimension, then which rules run per kind."""
    out = ["# Rule reference", "",
           "Generated from `rules/*.yaml` by `python -m apology_lint.ruledoc docs/rules`; "
           "`apology-lint --explain RULE` prints the same page. Do not edit by hand.", ""]
    for dimension in DIMENSIONS:
        chosen = sorted((r for r in rules if r.dimension == dimension), key=lambda r: r.id)
        if not chosen:
            continue
        out += [f"## {dimension}", "", "| rule | catalog | apology | update | resolution | title |",
                "|---|---|---|---|---|---|"]
        out += [f"| [{r.id}]({r.id}.md) | {r.catalog} | "
                + " | ".join(r.severity.get(k, "–") for k in KINDS) + f" | {r.title} |"
                for r in chosen]
        out.append("")
    out += ["## By kind", ""]
    for kind in KINDS:
        on = sorted(r.id for r in rules if kind in r.severity)
        out.append(f"- **{kind}** ({len(on)} rules): " + ", ".join(f"[{i}]({i}.md)" for i in on))
    return "\n".join(out) + "\n"


def pages(rules: list[RuleSpec]) -> dict[str, str]:
    """File name → content for ``docs/rules/``."""
    generated = {f"{rule.id}.md": explain(rule) for rule in rules}
    generated["README.md"] = index(rules)
    return generated


def main(argv: list[str] | None = None) -> int:
    """``python -m apology_lint.ruledoc FOLDER``: write the rule reference there."""
    from pathlib import Path

    from .resources import builtin_rules_dir
    from .rulespec import load_rule_files

    folder = Path((argv if argv is not None else sys.argv[1:] or ["docs/rules"])[0])
    folder.mkdir(parents=True, exist_ok=True)
    generated = pages(load_rule_files(builtin_rules_dir()))
    for stale in folder.glob("*.md"):
        if stale.name not in generated:
            stale.unlink()
    for name, text in generated.items():
        (folder / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(generated)} pages to {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
