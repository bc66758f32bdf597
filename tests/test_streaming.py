"""A run is streamed: files are read a window at a time and reported in path order as
they finish, a repeated text is linted once and its report kept only until its last
file, and the results are those of linting each file on its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from apology_lint import Linter, runner
from apology_lint.runner import Options, Stream, run

TEXTS = [
    "We are sorry. Our billing job charged some clients twice on 3 May; we refunded "
    "every extra charge by 5 May and added a check that stops a second charge.",
    "We are investigating slow page loads on the dashboard. Next update in 30 minutes.",
    "Mistakes were made and the outage was caused by your configuration.",
    "The export is fixed. It failed for two hours because a disk filled up; we added an "
    "alert at 80% so it cannot fill unseen again.",
]


def _archive(folder: Path, pattern: list[int]) -> list[Path]:
    """Files named in path order, the text of each chosen by ``pattern``: repeats near
    and far apart."""
    paths = []
    for n, text in enumerate(pattern):
        path = folder / f"m{n:03d}.txt"
        path.write_text(TEXTS[text] + "\n", encoding="utf-8")
        paths.append(path)
    return paths


# Repeats next to each other, more than a window apart, and a text used once.
PATTERN = [0, 0, 1, 2, 0, 1, 1, 3, 2, 2, 0, 1, 0, 0, 2, 1, 0, 2]


@pytest.mark.parametrize("jobs", [1, 2])
def test_small_windows_give_each_file_its_own_report(
        linter: Linter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    if jobs > 1 and not runner.can_fork():
        pytest.skip("workers are forked")
    paths = _archive(tmp_path, PATTERN)
    # Windows and chunks far smaller than the archive: texts are evicted and met again.
    monkeypatch.setattr(runner, "_WINDOW", 3)
    monkeypatch.setattr(runner, "_CHUNK", 2)
    result = run(Options(paths=[str(tmp_path)], isolated=True, jobs=jobs))
    assert [f.path for f in result.files] == [str(p) for p in paths]
    for file in result.files:
        alone = linter.lint(Path(file.path).read_text(encoding="utf-8"), syntax="text",
                            path=file.path)
        assert file.report.model_dump() == alone.model_dump(), file.path


def test_a_repeated_text_is_linted_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                        ) -> None:
    _archive(tmp_path, PATTERN)
    monkeypatch.setattr(runner, "_WINDOW", 3)
    linted: list[int] = []
    lint_chunk = runner._lint_chunk

    def counting(linters, chunk, meta):  # type: ignore[no-untyped-def]
        linted.extend(job for job, _, _, _ in chunk)
        return lint_chunk(linters, chunk, meta)

    monkeypatch.setattr(runner, "_lint_chunk", counting)
    result = run(Options(paths=[str(tmp_path)], isolated=True, jobs=1))
    assert len(result.files) == len(PATTERN)
    assert len(linted) == len(set(PATTERN))


def test_the_first_report_comes_before_the_last_file_is_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files are read for linting a window ahead of the report being written, not all
    at once: memory does not grow with the archive."""
    _archive(tmp_path, [1] * 40)
    monkeypatch.setattr(runner, "_WINDOW", 5)
    read: list[str] = []
    read_document = runner.read_document

    def recording(source, syntax, path=None):  # type: ignore[no-untyped-def]
        read.append(path)
        return read_document(source, syntax, path)

    monkeypatch.setattr(runner, "read_document", recording)
    stream = iter(Stream(Options(paths=[str(tmp_path)], isolated=True, jobs=1)))
    first = next(stream)
    assert not isinstance(first, str) and first.path.endswith("m000.txt")
    assert 1 <= len(read) <= 5
    assert len(list(stream)) == 39 and len(read) == 40


def test_a_file_that_changes_between_the_passes_gets_its_own_report(
        linter: Linter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first pass only plans which reports to keep; a file whose text has changed by
    the time it is linted is linted as it is then."""
    paths = _archive(tmp_path, [0, 1, 0, 1])
    stream = Stream(Options(paths=[str(tmp_path)], isolated=True, jobs=1))
    last_uses = stream._last_uses

    def then_change() -> dict:  # type: ignore[type-arg]
        planned = last_uses()
        paths[2].write_text(TEXTS[3], encoding="utf-8")
        return planned

    monkeypatch.setattr(stream, "_last_uses", then_change)
    files = [item for item in stream if not isinstance(item, str)]
    assert len(files) == 4
    for file in files:
        alone = linter.lint(Path(file.path).read_text(encoding="utf-8"), syntax="text",
                            path=file.path)
        assert file.report.model_dump() == alone.model_dump(), file.path
