"""`apology-lint-accuracy --labelled`: the nine questions of the real-text sets, counted
as the labelling guide says (a small file written here; tests never read ../shared)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from apology_lint import Linter
from apology_lint.accuracy import main
from apology_lint.realtext import QUESTIONS, answer, load_labelled, measure_labelled

SMALL = Path(__file__).parent / "data" / "labelled-small.jsonl"


def test_each_question_counts_exactly_the_messages_it_judges(linter: Linter) -> None:
    messages = load_labelled(SMALL)
    results = measure_labelled(linter, messages)
    for q in QUESTIONS:
        judged = [m for m in messages
                  if m.kind in q.judged_on and m.labels.get(q.name, "?") != "?"]
        tally = results.overall[q.name]
        assert tally.judged == len(judged), q.name
        assert tally.tp + tally.fn == sum(1 for m in judged if m.labels[q.name] is True)
    # The update is not judged on apology or ownership, and only it on the next update;
    # a "?" label is left out.
    assert results.overall["non_apology"].judged == 2
    assert results.overall["next_update"].judged == 1
    assert results.overall["blame"].judged == 2


def test_answers_come_from_the_report(linter: Linter) -> None:
    messages = {m.id: m for m in load_labelled(SMALL)}
    vague_update = linter.lint(messages["t-2"].text, kind="update")
    by_name = {q.name: q for q in QUESTIONS}
    fired = {f.rule for f in vague_update.findings}
    assert answer(by_name["vague"], vague_update) == ("vague-incident" in fired)
    assert answer(by_name["ownership_missing"], vague_update) == (
        "ownership" not in vague_update.elements.present())


def test_misses_show_the_labelled_evidence_and_what_was_found(
        capsys: pytest.CaptureFixture[str], linter: Linter) -> None:
    results = measure_labelled(linter, load_labelled(SMALL))
    assert main(["--labelled", str(SMALL), "--misses"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("3 labelled messages; macro-F1 ")
    for q in QUESTIONS:
        assert q.name in out
    wrong = sum(t.fp + t.fn for t in results.overall.values())
    assert out.count("  linter found: ") == wrong == len(results.misses)
    for miss in results.misses:
        assert f"{miss.question}: {'missed' if miss.expected else 'false alarm'} on " \
               f"{miss.message.id}" in out


def test_json_has_per_kind_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--labelled", str(SMALL), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data["questions"]) == {q.name for q in QUESTIONS}
    assert set(data["by_kind"]) == {"apology", "update", "resolution"}
    assert sum(c["messages"] for c in data["kind_confusion"]) == 3


@pytest.mark.parametrize("content, expected", [
    ('{"id": "x", "kind": "apology"}\n', "bad.jsonl:1: not a labelled message"),
    ('not json\n', "bad.jsonl:1: not a labelled message"),
    ('', "no labelled messages in"),
])
def test_a_bad_labelled_file_is_one_line_and_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, expected: str) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(content, encoding="utf-8")
    assert main(["--labelled", str(bad)]) == 2
    err = capsys.readouterr().err
    assert expected in err and err.count("\n") == 1


def _shared_corpora(folder: Path, message: str) -> Path:
    """A stand-in for the shared corpora, written here: one status-page incident."""
    folder.mkdir()
    incident = {"provider": "acme", "id": "x1", "timeline": [
        {"status": "investigating", "message": "We are looking into it."},
        {"status": "resolved", "message": message}]}
    (folder / "statuspages.jsonl").write_text(json.dumps(incident) + "\n", encoding="utf-8")
    (folder / "github-status-incidents.jsonl").write_text("", encoding="utf-8")
    return folder


def _by_reference(tmp_path: Path, sha1: str) -> Path:
    labelled = tmp_path / "labels.jsonl"
    row = {"id": "r1", "kind": "resolution", "labels": {"vague": True}, "reference": {
        "file": "statuspages.jsonl", "incident": "acme/x1", "entry": 1, "sha1": sha1}}
    labelled.write_text(json.dumps(row) + "\n", encoding="utf-8")
    return labelled


def test_messages_labelled_by_reference_are_read_from_the_shared_corpora(
        tmp_path: Path, linter: Linter) -> None:
    text = "Our engineers repaired it and all is well on our side again."
    shared = _shared_corpora(tmp_path / "shared", text)
    from apology_lint.training import fingerprint

    messages = load_labelled(_by_reference(tmp_path, fingerprint(text)), shared)
    assert [m.text for m in messages] == [text]
    vague = measure_labelled(linter, messages).overall["vague"]
    assert vague.tp + vague.fn == 1  # judged, as a labelled message


@pytest.mark.parametrize(("shared_present", "expected"), [
    (False, "labels real messages by reference; pass --shared DIR"),
    (True, "is not the labelled text (the shared corpus changed)"),
])
def test_a_reference_without_its_text_is_one_line_and_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], shared_present: bool,
        expected: str) -> None:
    shared = _shared_corpora(tmp_path / "shared", "Some other text.") if shared_present \
        else tmp_path / "missing"
    labelled = _by_reference(tmp_path, "000000000000")
    assert main(["--labelled", str(labelled), "--shared", str(shared)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err
