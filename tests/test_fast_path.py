"""The shortcuts a run takes give exactly the reports of linting every file on its own,
over the project's corpus: repeated texts linted once, batched parsing across files,
worker processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from apology_lint import Linter
from apology_lint.accuracy import load_corpus
from apology_lint.runner import Options, run

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def test_run_shortcuts_match_one_file_at_a_time(linter: Linter, tmp_path: Path) -> None:
    messages = load_corpus(CORPUS)
    paths = []
    for n, message in enumerate(messages):
        for copy in ("a", "b"):  # every text twice, so repeated texts are reused
            path = tmp_path / f"{n:03d}{copy}.txt"
            path.write_text(message.text, encoding="utf-8")
            paths.append(path)
    result = run(Options(paths=[str(tmp_path)], isolated=True, jobs=2))
    assert len(result.files) == len(paths)
    for file in result.files:
        alone = linter.lint(Path(file.path).read_text(encoding="utf-8"), syntax="text",
                            path=file.path)
        assert file.report.model_dump() == alone.model_dump(), file.path


SHARED_STATUSPAGES = Path(__file__).resolve().parents[2] / "shared/corpora/statuspages.jsonl"


@pytest.mark.skipif(not SHARED_STATUSPAGES.is_file(), reason="the shared corpora are not here")
def test_run_shortcuts_match_one_file_at_a_time_on_real_status_pages(
        linter: Linter, tmp_path: Path) -> None:
    """The same over real status-page messages (read from the shared corpora, never
    copied): 400 of them, from every provider, some twice."""
    by_provider: dict[str, list[str]] = {}
    with SHARED_STATUSPAGES.open(encoding="utf-8") as lines:
        for line in lines:
            incident = json.loads(line)
            texts = by_provider.setdefault(incident["provider"], [])
            texts.extend(e["message"] for e in incident["timeline"] if e["message"].strip())
    sample = [text for texts in by_provider.values() for text in texts[:20]][:400]
    for n, text in enumerate(sample + sample[:50]):
        (tmp_path / f"{n:04d}.txt").write_text(text, encoding="utf-8")
    result = run(Options(paths=[str(tmp_path)], isolated=True, jobs=2))
    assert len(result.files) == len(sample) + 50
    for file in result.files:
        alone = linter.lint(Path(file.path).read_text(encoding="utf-8"), syntax="text",
                            path=file.path)
        assert file.report.model_dump() == alone.model_dump(), file.path
