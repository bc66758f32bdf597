"""The parts registry (rules/parts/): one file per part, validated, and scoring credits
checked against it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from apology_lint.errors import RuleError
from apology_lint.models import ELEMENT_NAMES
from apology_lint.parts import load_parts
from apology_lint.resources import builtin_rules_dir
from apology_lint.rulespec import SCORING_FILE, ScoringSpec, load_yaml_model
from apology_lint.scoring import check_credits


def test_every_element_is_a_part_with_a_model_label() -> None:
    parts = load_parts(builtin_rules_dir())
    elements = {n: p for n, p in parts.items() if p.element}
    assert set(elements) == set(ELEMENT_NAMES)
    assert all(p.model is not None and 0 < p.model.threshold < 1 for p in elements.values())


def test_the_builtin_credits_are_all_known() -> None:
    folder = builtin_rules_dir()
    check_credits(load_yaml_model(folder / SCORING_FILE, ScoringSpec), load_parts(folder))


def test_a_misspelt_credit_is_an_error_with_the_nearest_name() -> None:
    folder = builtin_rules_dir()
    spec = load_yaml_model(folder / SCORING_FILE, ScoringSpec)
    spec.credits["apology"]["prevent"]["preventoin"] = 60
    with pytest.raises(RuleError, match=re.escape(
            "unknown credit 'preventoin' (did you mean 'prevention'?)")):
        check_credits(spec, load_parts(folder))


def _copy_parts(tmp_path: Path) -> Path:
    shutil.copytree(builtin_rules_dir() / "parts", tmp_path / "parts")
    return tmp_path


def test_a_part_file_must_be_named_after_its_part(tmp_path: Path) -> None:
    folder = _copy_parts(tmp_path)
    (folder / "parts" / "remedy.yaml").rename(folder / "parts" / "fix.yaml")
    with pytest.raises(RuleError, match=re.escape("fix.yaml: name: 'remedy' must match")):
        load_parts(folder)


def test_a_missing_element_part_is_an_error(tmp_path: Path) -> None:
    folder = _copy_parts(tmp_path)
    (folder / "parts" / "contact.yaml").unlink()
    with pytest.raises(RuleError, match="must be the report's elements"):
        load_parts(folder)


def test_a_model_only_part_needs_a_label(tmp_path: Path) -> None:
    folder = _copy_parts(tmp_path)
    path = folder / "parts" / "blame.yaml"
    path.write_text(re.sub(r"(?m)^model:.*\n", "", path.read_text()))
    with pytest.raises(RuleError, match="needs a model label"):
        load_parts(folder)
