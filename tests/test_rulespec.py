"""Rule files are validated: unknown keys, bad values and bad patterns name file and key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from apology_lint import Linter, RuleError
from apology_lint.resources import builtin_rules_dir


@pytest.fixture()
def pack(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(builtin_rules_dir(), folder)
    return folder


def edit(path: Path, change: dict[str, object]) -> None:
    data = yaml.safe_load(path.read_text())
    data.update(change)
    path.write_text(yaml.safe_dump(data))


def test_unknown_key_names_file_and_key(pack: Path) -> None:
    edit(pack / "minimizer.yaml", {"severty": {"apology": "error"}})
    with pytest.raises(RuleError, match=r"minimizer\.yaml: severty: unknown key"):
        Linter(rules_dir=pack)


def test_bad_severity_value(pack: Path) -> None:
    edit(pack / "minimizer.yaml", {"severity": {"apology": "fatal"}})
    with pytest.raises(RuleError, match=r"minimizer\.yaml: severity\.apology"):
        Linter(rules_dir=pack)


def test_bad_pattern_and_unknown_lexicon(pack: Path) -> None:
    rule = pack / "denial.yaml"
    data = yaml.safe_load(rule.read_text())
    data["detectors"][0]["patterns"] = ["(unclosed"]
    rule.write_text(yaml.safe_dump(data))
    with pytest.raises(RuleError, match=r"denial.*invalid pattern"):
        Linter(rules_dir=pack)
    data["detectors"][0]["patterns"] = ["{no_such_lexicon}"]
    rule.write_text(yaml.safe_dump(data))
    with pytest.raises(RuleError, match=r"unknown lexicon 'no_such_lexicon'"):
        Linter(rules_dir=pack)


def test_id_must_match_file_name(pack: Path) -> None:
    edit(pack / "minimizer.yaml", {"id": "minimiser"})
    with pytest.raises(RuleError, match="must match the file name"):
        Linter(rules_dir=pack)


def test_invalid_yaml_reports_line(pack: Path) -> None:
    (pack / "minimizer.yaml").write_text("id: [unclosed\n")
    with pytest.raises(RuleError, match=r"minimizer\.yaml: line \d+ invalid YAML"):
        Linter(rules_dir=pack)


def test_select_and_ignore(pack: Path) -> None:
    only = Linter(rules_dir=pack, select=["minimizer"])
    assert [r.id for r in only.rules] == ["minimizer"]
    without = Linter(rules_dir=pack, ignore=["minimizer"])
    assert "minimizer" not in {r.id for r in without.rules}


def test_verb_forms_file_is_current() -> None:
    import json

    from apology_lint.lexicons import VERB_FORMS_FILE, verb_forms
    from apology_lint.resources import builtin_rules_dir

    folder = builtin_rules_dir() / "lexicons"
    committed = json.loads((folder / VERB_FORMS_FILE).read_text(encoding="utf-8"))
    assert committed == verb_forms(folder), (
        "rules/lexicons/verb-forms.json is stale; run: python -m apology_lint.lexicons")
