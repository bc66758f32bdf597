"""The rule reference in docs/rules/ is generated from rules/*.yaml and kept current."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from apology_lint.ruledoc import pages

from .conftest import all_rules

DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules"


def test_committed_rule_docs_match_the_generator() -> None:
    generated = pages(all_rules())
    committed = {p.name: p.read_text(encoding="utf-8") for p in DOCS.glob("*.md")}
    stale = sorted(name for name in generated.keys() | committed.keys()
                   if generated.get(name) != committed.get(name))
    assert not stale, ("docs/rules is out of date for " + ", ".join(stale)
                       + "; run: python -m apology_lint.ruledoc docs/rules")


def test_explain_prints_the_rule_page() -> None:
    result = subprocess.run([sys.executable, "-m", "apology_lint", "--explain", "minimizer"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert result.stdout == (DOCS / "minimizer.md").read_text(encoding="utf-8")


def test_index_lists_every_rule_once_per_dimension() -> None:
    text = (DOCS / "README.md").read_text(encoding="utf-8")
    for rule in all_rules():
        assert text.count(f"| [{rule.id}]({rule.id}.md) |") == 1


def test_every_source_a_rule_cites_can_be_found_in_the_repository() -> None:
    """A reader of --explain can follow each source: a document the rule names is in the
    repository, and nothing cites files that only the project's authors have."""
    root = Path(__file__).resolve().parent.parent
    for rule in all_rules():
        for source in rule.rationale.sources:
            assert "apology-research.md" not in source and "material 0" not in source, \
                (rule.id, source)
            for doc in re.findall(r"docs/[\w/-]+\.md", source):
                assert (root / doc).is_file(), (rule.id, doc)
