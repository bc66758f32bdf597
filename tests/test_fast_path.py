"""The shortcuts a run takes give exactly the reports of linting every file on its own,
over the project's corpus: repeated texts linted once, batched parsing across files,
worker processes."""

from __future__ import annotations

from pathlib import Path

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
