from __future__ import annotations

import pytest

from apology_lint import Linter
from apology_lint.resources import builtin_rules_dir
from apology_lint.rulespec import RuleSpec, load_rule_files


@pytest.fixture(scope="session")
def linter() -> Linter:
    return Linter()


def all_rules() -> list[RuleSpec]:
    return load_rule_files(builtin_rules_dir())
