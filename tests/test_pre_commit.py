"""The pre-commit hook end to end: ``pre-commit try-repo`` installs this repository into
its own environment (from the package registry, as a user's pre-commit would) and runs
the hook on a temporary repository with a bad template, then with the template fixed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .test_cli import GOOD

ROOT = Path(__file__).resolve().parent.parent
BAD = ("{# apology-lint: kind=apology #}\n"
       "Hi {{ first_name }},\n\nWe apologize for any inconvenience this may have caused.\n")



def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"})


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(),
                    reason="needs git and a git checkout of apology-lint")
def test_hook_fails_on_a_bad_template_and_passes_once_fixed(tmp_path: Path) -> None:
    repo = tmp_path / "site"
    (repo / "templates").mkdir(parents=True)
    git(repo, "init", "-q")
    template = repo / "templates" / "apology.txt.j2"
    template.write_text(BAD)
    git(repo, "add", ".")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-cache")}

    def hook() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "apology-lint",
             "--files", "templates/apology.txt.j2"],
            cwd=repo, env=env, capture_output=True, text=True, timeout=1800)

    failed = hook()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "templates/apology.txt.j2:4:" in failed.stdout
    assert "inconvenience-euphemism" in failed.stdout

    template.write_text(GOOD)
    git(repo, "add", ".")
    passed = hook()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout
