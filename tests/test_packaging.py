"""A plain ``pip install .`` ships the rule pack inside the package."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contains_rules_and_lexicons(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(tmp_path), str(ROOT)], check=True, timeout=300)
    wheel = next(tmp_path.glob("apology_lint-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    rules = {p.name for p in (ROOT / "rules").glob("*.yaml")}
    lexicons = {p.name for p in (ROOT / "rules" / "lexicons").glob("*.yaml")}
    assert {f"apology_lint/_rules/{n}" for n in rules} <= names
    assert {f"apology_lint/_rules/lexicons/{n}" for n in lexicons} <= names
    assert "apology_lint/py.typed" in names
