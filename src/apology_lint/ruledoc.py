"""Rule reference generated from the rule files (``--list-rules``, ``--explain``, and the
pages in ``docs/rules/``).

Everything shown comes from ``rules/*.yaml``, so the reference cannot drift from what the
linter checks.
"""

from __future__ import annotations

import difflib
import sys
import textwrap
from collections.abc import Iterable, Mapping
from pathlib import Path

from .errors import ApologyLintError
from .models import DIMENSIONS, KINDS
from .resources import builtin_rules_dir
from .rulespec import RuleSpec, load_rule_files, load_rule_packs

_WIDTH = 88


def severities(rule: RuleSpec) -> str:
    """"apology: warning, update: info" (kinds the rule is off for are left out)."""
    return ", ".join(f"{kind}: {rule.severity[kind]}" for kind in KINDS if kind in rule.severity)


def load_reference(packs: Iterable[Path]) -> tuple[list[RuleSpec], dict[str, str]]:
    """The rules a lint with these rule packs runs, and the pack of each rule that comes
    from one (rule id → the pack's folder, relative to the working folder when inside)."""
    rules = load_rule_files(builtin_rules_dir())
    origin: dict[str, str] = {}
    for rule, pack in load_rule_packs(packs, {r.id for r in rules}):
        rules.append(rule)
        origin[rule.id] = _shown_path(pack)
    return rules, origin


def _shown_path(folder: Path) -> str:
    try:
        return folder.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(folder)


def list_rules(rules: list[RuleSpec], packs: Mapping[str, str] | None = None) -> str:
    """A table of the rules; with ``packs`` (rule id → pack), a column says where each
    rule comes from."""
    packs = packs or {}
    head = ["rule", "catalog", "dimension", "apology", "update", "resolution"]
    rows = [[*head, *(["from"] if packs else []), "title"]]
    for rule in sorted(rules, key=lambda r: r.id):
        source = [packs.get(rule.id, "built-in")] if packs else []
        rows.append([rule.id, rule.catalog, rule.dimension,
                     *(rule.severity.get(kind, "-") for kind in KINDS), *source, rule.title])
    columns = len(rows[0]) - 1  # the title, last, is not padded
    widths = [max(len(row[i]) for row in rows) for i in range(columns)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row[:columns], widths, strict=True))
             + "  " + row[columns] for row in rows]
    from_packs = (f" ({len(packs)} from rule packs: {', '.join(sorted(set(packs.values())))})"
                  if packs else "")
    lines.append(f"\n{len(rules)} rules{from_packs}. Details: apology-lint --explain RULE")
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


def explain(rule: RuleSpec, pack: str | None = None) -> str:
    """A rule's page: what ``--explain`` prints and ``docs/rules/<id>.md`` holds;
    ``pack`` is the rule pack the rule comes from (``None``: built in)."""
    out = [f"# {rule.id} ({rule.catalog})", "", f"**{rule.title}**", "",
           *([f"- rule pack: {pack}"] if pack else []),
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
