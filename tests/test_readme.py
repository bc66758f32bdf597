"""The docs' example runs are what the tool prints: every output line the README and the
getting-started guide show (they shorten the output with "…") is a line of a real run on
the draft they show."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _fenced(text: str) -> list[str]:
    """The plain fenced blocks of a Markdown text (no info string: drafts and output)."""
    return [content for info, content in
            re.findall(r"^```(\w*)\n(.*?)^```$", text, re.DOTALL | re.MULTILINE) if not info]


def _blocks(doc: str) -> list[str]:
    text = (ROOT / doc).read_text(encoding="utf-8")
    if doc == "README.md":  # the first-lint section only
        text = text[text.index("## First lint"):text.index("## Templates")]
    return _fenced(text)


# (the doc, the draft's block, the output blocks shown for it), counting plain blocks
EXAMPLES = [
    ("README.md", 0, slice(1, 2)),
    ("docs/getting-started.md", 0, slice(1, 3)),  # the draft
    ("docs/getting-started.md", 3, slice(4, 5)),  # the fixed message
]


def _printed(line: str, output: list[str]) -> bool:
    # A line the docs cut short ends with "…": the tool's line starts with the rest.
    if line.endswith("…"):
        return any(out.startswith(line[:-1]) for out in output)
    return line in output


@pytest.mark.parametrize("doc, draft, shown", EXAMPLES)
def test_the_docs_examples_match_a_real_run(tmp_path: Path, doc: str, draft: int,
                                            shown: slice) -> None:
    blocks = _blocks(doc)
    (tmp_path / "draft.txt").write_text(blocks[draft], encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "apology_lint", "--isolated", "draft.txt"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "NO_COLOR": "1"})
    output = run.stdout.splitlines()
    lines = [line for block in blocks[shown] for line in block.splitlines()
             if line.strip() and line != "…"]
    missing = [line for line in lines if not _printed(line, output)]
    assert not missing, f"{doc}: lines the tool does not print:\n" + "\n".join(missing)


def test_the_readme_template_example_matches_a_real_run() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Templates"):text.index("## In CI and pre-commit")]
    command = re.search(r"```sh\napology-lint (\S+)\n```", section)
    assert command, "the README's templates section shows no command"
    run = subprocess.run([sys.executable, "-m", "apology_lint", "--isolated", command[1]],
                         cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "NO_COLOR": "1"})
    output = run.stdout.splitlines()
    lines = [line for block in _fenced(section) for line in block.splitlines()
             if line.strip() and line != "…"]
    assert lines, "the README's templates section shows no output"
    missing = [line for line in lines if not _printed(line, output)]
    assert not missing, "README.md: lines the tool does not print:\n" + "\n".join(missing)
