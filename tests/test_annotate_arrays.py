"""The annotation pass reads the parse as arrays where the plain reading made a ``Token``
per word, and runs its cheapest tests first: the answers must be those of the plain
reading, whatever the text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apology_lint import Linter
from apology_lint.annotate import (
    _FIRST_PERSON_SUBJECTS,
    Analysis,
    _explains,
    _mechanism,
    _owning_phrase,
    _owns,
    _owns_by_parse,
    _unquoted,
    annotate,
    normalize,
)
from apology_lint.parts_model import COMPONENT, _sentence_bounds, _sentence_docs

# Pieces of status messages, so that the generated texts have verbs, first-person subjects,
# causes, cues, quotes and numbers in many orders.
_PIECES = [
    "We are sorry.", "We deployed a change that broke logins", "our script deleted rows",
    "The database failed because a certificate we rotated was missing.",
    "Payments were delayed by us", "after the cache filled up", "Logins failed for 2 hours",
    "We're still investigating", "It may be the network.", 'You said "it broke again".',
    "so the servers ran out of memory", "The outage was caused by a bad config push.",
    "I didn't check the backups", "As a result, 40% of requests timed out.", "Thanks,",
    "> we are investigating", "The API is degraded", "and then it recovered", "-", "•",
]
_TEXTS = st.lists(st.sampled_from(_PIECES), min_size=1, max_size=8).map(
    lambda pieces: normalize(" ".join(pieces)))
# The same with line breaks and blank lines between the pieces (white-space tokens).
_GAPS = [" ", "\n", "\n\n", "\n \n"]
_LINES = st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from(_GAPS)),
                  min_size=1, max_size=8).map(
    lambda pairs: normalize("".join(piece + gap for piece, gap in pairs)))


def _analysis(linter: Linter, text: str) -> Analysis:
    rules = linter.ruleset
    return annotate(text, linter.nlp(text), rules.lexicons, parts=rules.parts)


@settings(max_examples=60, deadline=None)
@given(text=_TEXTS)
def test_the_verbs_of_a_sentence_are_its_tokens_tagged_as_verbs(
        linter: Linter, text: str) -> None:
    a = _analysis(linter, text)
    for sent in a.sents:
        assert [t.i for t in a.verbs(sent)] == [
            t.i for t in sent.span if t.tag_.startswith("VB")]


@settings(max_examples=60, deadline=None)
@given(text=_TEXTS)
def test_the_word_count_and_first_person_subject_are_those_of_the_tokens(
        linter: Linter, text: str) -> None:
    a = _analysis(linter, text)
    assert a.word_count == sum(1 for t in a.doc if t.is_alpha or t.like_num)
    assert a.first_person_subject == any(
        t.lower_ in _FIRST_PERSON_SUBJECTS and t.dep_ in ("nsubj", "nsubjpass")
        and not a.is_quoted(t.idx, t.idx + 1) for t in a.doc)
    assert a.ongoing == bool(
        a.lex.regex("ongoing").search(_unquoted(a.text, a.quoted)))


@settings(max_examples=60, deadline=None)
@given(text=_TEXTS)
def test_an_explanation_is_a_firm_concrete_cause_with_a_cue(
        linter: Linter, text: str) -> None:
    """The cue is looked for first; the answer is the definition's, in its own order."""
    a = _analysis(linter, text)
    for sent in a.sentences():
        causal = a.search("causal_cues", sent) is not None
        defined = bool(a.search("concrete_causes", sent)) and not a.search("hedges", sent) \
            and bool(causal or a.search("result_cues", sent)
                     or a.in_sentence(a.ownership, sent) or _mechanism(a, sent))
        assert _explains(a, sent, causal) == defined
        assert a.in_sentence(a.explanation, sent) == defined


@settings(max_examples=30, deadline=None)
@given(text=_TEXTS)
def test_the_parts_model_reads_each_sentence_as_its_own_document(
        linter: Linter, text: str) -> None:
    if COMPONENT not in linter.nlp.pipe_names:
        pytest.skip("the parts model is not in this pipeline")
    doc = linter.nlp(text)
    spans = _sentence_bounds(doc)
    for (start, end), piece in zip(spans, _sentence_docs(doc, spans), strict=True):
        plain = doc[start:end].as_doc()
        assert [t.text for t in piece] == [t.text for t in plain]
        assert [t.whitespace_ for t in piece] == [t.whitespace_ for t in plain]
        assert (piece.tensor == plain.tensor).all()


@settings(max_examples=40, deadline=None)
@given(text=_LINES)
def test_the_sentence_bounds_are_those_of_doc_sents(linter: Linter, text: str) -> None:
    doc = linter.nlp(text)
    assert _sentence_bounds(doc) == [(s.start, s.end) for s in doc.sents
                                     if not all(t.is_space for t in s)]


@settings(max_examples=60, deadline=None)
@given(text=_TEXTS)
def test_a_lexicon_is_searched_as_its_pattern_in_each_sentence(
        linter: Linter, text: str) -> None:
    """``search`` skips the lexicons the whole message cannot match: what it answers is
    still the pattern's own search of the sentence."""
    a = _analysis(linter, text)
    for name in a.lex.names():
        pattern = a.lex.regex(name)
        for sent in a.sentences():
            found, plain = a.search(name, sent), pattern.search(sent.text)
            assert (found and found.span()) == (plain and plain.span()), (name, sent.text)
            if not a.possible(name) or not a.matchable([pattern]):
                assert plain is None


@settings(max_examples=60, deadline=None)
@given(text=_TEXTS)
def test_ownership_is_read_as_without_the_first_person_shortcut(
        linter: Linter, text: str) -> None:
    """``_owns`` passes over the verbs of a sentence without a first-person word: the
    answers are those of reading every sentence's verbs."""
    a = _analysis(linter, text)
    for sent in a.sentences():
        assert _owns(a, sent) == (_owning_phrase(a, sent) or _owns_by_parse(a, sent))
