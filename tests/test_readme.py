"""The README's first-lint example is what the tool prints: every line the README shows
(it shortens the output with "…") is a line of a real run on the README's draft."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _fenced(text: str) -> list[tuple[str, str]]:
    """The fenced blocks of a Markdown text: (info string, content)."""
    return re.findall(r"^```(\w*)\n(.*?)^```$", text, re.DOTALL | re.MULTILINE)


def _blocks() -> tuple[str, list[str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## First lint"):readme.index("## Templates")]
    draft, output = [content for info, content in _fenced(section) if not info][:2]
    return draft, [line for line in output.splitlines() if line.strip() and line != "…"]


def test_the_first_lint_example_matches_a_real_run(tmp_path: Path) -> None:
    draft, shown = _blocks()
    (tmp_path / "draft.txt").write_text(draft, encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "apology_lint", "--isolated", "draft.txt"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "NO_COLOR": "1"})
    printed = run.stdout.splitlines()
    missing = [line for line in shown if line not in printed]
    assert not missing, "README lines the tool does not print:\n" + "\n".join(missing)
