"""The pipeline multiplies matrices through numpy's BLAS on one thread (``nlp._blas_ops``):
it must parse exactly as thinc's own operations do, and leave no setting changed."""

from __future__ import annotations

from typing import Any

import spacy
from thinc.api import get_current_ops
from threadpoolctl import ThreadpoolController

from apology_lint.accuracy import load_corpus
from apology_lint.nlp import DEFAULT_PIPELINE, UNUSED_COMPONENTS, load_pipeline

from .test_fast_path import CORPUS


def _parse(doc: Any) -> list[tuple[str, str, int, bool]]:
    return [(t.tag_, t.dep_, t.head.i, bool(t.is_sent_start)) for t in doc]


def test_the_pipeline_parses_as_with_thincs_own_operations() -> None:
    nlp = load_pipeline()
    assert nlp.get_pipe("tok2vec").model.ops.name == "apology_lint_blas"
    plain = spacy.load(DEFAULT_PIPELINE, exclude=list(UNUSED_COMPONENTS))
    plain.add_pipe("apology_lint_line_breaks", before="parser")
    assert plain.get_pipe("tok2vec").model.ops.name == "numpy"
    texts = [m.text for m in load_corpus(CORPUS)]
    assert len(texts) > 100
    ours = [_parse(d) for d in nlp.pipe(texts)]
    theirs = [_parse(d) for d in plain.pipe(texts)]
    assert ours == theirs


def test_loading_and_parsing_leave_thinc_and_blas_settings_as_they_were() -> None:
    load_pipeline.cache_clear()
    before_ops = get_current_ops()
    blas = ThreadpoolController()
    before = [lib["num_threads"] for lib in blas.info()]
    assert before  # numpy brings a BLAS threadpoolctl can read
    nlp = load_pipeline()
    nlp("We are sorry: the export failed for two hours on Monday.")
    assert get_current_ops() is before_ops
    assert [lib["num_threads"] for lib in blas.info()] == before
