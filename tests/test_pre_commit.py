"""The pre-commit hook: its default ``files`` takes client messages and templates, not a
repository's other text files; and end to end, ``pre-commit try-repo`` installs this
repository into its own environment (from the package registry, as a user's pre-commit
would) and runs the hook on a temporary repository with a bad template, then with the
template fixed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from apology_lint.readers import EXTENSIONS

from .test_cli import GOOD

ROOT = Path(__file__).resolve().parent.parent
BAD = ("{# apology-lint: kind=apology #}\n"
       "Hi {{ first_name }},\n\nWe apologize for any inconvenience this may have caused.\n")


def hook_files() -> re.Pattern[str]:
    """The hook's default ``files``, as pre-commit applies it (``re.search``)."""
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = hooks
    return re.compile(hook["files"])


@pytest.mark.parametrize("path", [
    "requirements.txt", "docs/setup.md", "README.md", "CHANGELOG.md", "notes.txt",
    "docs/index.html", "src/app/templates/base.txt", "apologies.txt", "my-apologies/a.txt",
    "templates/emailsx/a.html", "client-messages/script.py", "client-messages/logo.png",
])
def test_hook_skips_files_that_are_not_client_messages(path: str) -> None:
    assert not hook_files().search(path)


@pytest.mark.parametrize("path", [
    "templates/emails/apology.html.j2", "client-messages/outage.txt", "mail/x.hbs",
    "incident-messages/2026/03/billing.md", "web/templates/email/refund.html",
    "apologies/late-invoices.markdown", "inbox/complaint-reply.eml", "Mail/Notice.HBS",
    "src/mail/resolution.jinja2", "status/update.liquid", "status/update.mustache",
])
def test_hook_checks_templates_anywhere_and_text_in_message_folders(path: str) -> None:
    assert hook_files().search(path)


@pytest.mark.parametrize("extension", sorted(EXTENSIONS))
def test_hook_covers_every_extension_apology_lint_reads(extension: str) -> None:
    # Templates and emails are messages wherever they are; text, Markdown and HTML only
    # in a message folder. An extension added to the readers is decided here too.
    anywhere = EXTENSIONS[extension] not in ("text", "markdown", "html")
    assert bool(hook_files().search(f"lib/page{extension}")) == anywhere
    assert hook_files().search(f"client-messages/page{extension}")


def test_the_documented_files_override_works() -> None:
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    section = text[text.index("## pre-commit"):]
    blocks = re.findall(r"^```yaml\n(.*?)^```$", section, re.DOTALL | re.MULTILINE)
    (hook,) = [h for block in blocks for h in yaml.safe_load(textwrap.dedent(block))
               if isinstance(h, dict) and "files" in h]
    assert re.search(hook["files"], "support/replies/refund.txt")
    assert not re.search(hook["files"], "support/replies/send.py")


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
