"""The labelled corpus is well formed and the accuracy command measures every rule."""

from __future__ import annotations

from pathlib import Path

from apology_lint import Linter
from apology_lint.accuracy import load_corpus, measure, render_table
from apology_lint.models import KINDS

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def test_corpus_is_labelled_with_known_ids() -> None:
    messages = load_corpus(CORPUS)
    assert len(messages) >= 60
    for kind in KINDS:
        assert sum(m.kind == kind for m in messages) >= 20, kind
    ids = {m.id for m in messages}
    for path in CORPUS.glob("*/*.yaml"):
        assert path.parent.name in KINDS
    for m in messages:
        assert m.pair is None or m.pair in ids, m.id


def test_accuracy_measures_every_implemented_rule(linter: Linter) -> None:
    messages = load_corpus(CORPUS)[:12]
    results = measure(linter, messages)
    assert set(results.rules) == {r.id for r in linter.rules}
    table = render_table(results, markdown=True)
    assert "| apology-missing |" in table
