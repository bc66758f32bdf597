"""Concrete rewrites computed from the parse, shown as suggestions (never applied).

Each function takes the parsed words of the writer's own sentence and returns text a
writer can paste, or ``None`` when the parse does not allow a safe rewrite (the rule's
generic suggestion is shown instead). Verb forms are lemminflect's, from the shipped
table (``tables/verbs.tsv``).
"""

from __future__ import annotations

import re
from typing import Any

from . import tables

_CLAUSE_END = frozenset({"cc", "punct", "mark"})
_KEEP_CAPITAL = frozenset({"I"})
_OBJECT_CASE = {"i": "me", "we": "us", "he": "him", "she": "her", "they": "them"}


def _verb_form(word: str, tag: str) -> str:
    """lemminflect's ``tag`` form of the verb ``word`` (the word itself when it has none),
    read from the shipped table for every verb lemminflect's dictionary holds."""
    word = word.lower()
    known = tables.verb_form(word, tag)
    if known is not None:
        return known or word
    # A word the table does not hold: lemminflect guesses (it takes most of a second to
    # load, so only here).
    from lemminflect import getInflection, getLemma

    lemma = (getLemma(word, upos="VERB") or (word,))[0]
    forms = getInflection(lemma, tag=tag)
    return forms[0] if forms else word


def _lower_first(text: str, token: Any) -> str:
    """Lower-case the first word unless it is a name or an acronym ("Your data" → "your
    data", "API calls" stays)."""
    word = text.split()[0] if text.split() else text
    if token.tag_ in ("NNP", "NNPS") or word in _KEEP_CAPITAL or word[1:2].isupper():
        return text
    return text[:1].lower() + text[1:]


def _tail(verb: Any) -> str:
    """The words after the verb that belong to its clause ("to the wrong address")."""
    words = []
    for tok in verb.doc[verb.i + 1: verb.right_edge.i + 1]:
        if tok.dep_ in ("cc", "conj") and tok.head.i == verb.i:
            break
        if tok.dep_ == "agent":
            break
        words.append(tok)
    while words and (words[-1].dep_ in _CLAUSE_END or words[-1].is_space
                     or words[-1].is_punct):
        words.pop()
    if not words:
        return ""
    return verb.doc[words[0].i: words[-1].i + 1].text


def phrase_start(head: Any) -> Any:
    """The first word of ``head``'s phrase, leaving out punctuation before it."""
    first = head.left_edge
    while first.is_punct and first.i < head.i:
        first = head.doc[first.i + 1]
    return first


def active_with_we(verb: Any) -> str | None:
    """"your data was deleted during the move" → "we deleted your data during the move"."""
    subjects = [c for c in verb.children if c.dep_ == "nsubjpass"]
    if not subjects or verb.tag_ != "VBN":
        return None
    subject = subjects[0]
    first = phrase_start(subject)
    obj = _OBJECT_CASE.get(subject.lower_) or verb.doc[first.i: subject.right_edge.i + 1].text
    aux = [c.lower_ for c in verb.children if c.dep_ in ("aux", "auxpass")]
    if "will" in aux:
        verb_text = "will " + _verb_form(verb.text, "VB")
    elif "has" in aux or "have" in aux:
        verb_text = "have " + verb.lower_
    elif "being" in aux:
        verb_text = "are " + _verb_form(verb.text, "VBG")
    else:
        verb_text = _verb_form(verb.text, "VBD")
    parts = ["we", verb_text, _lower_first(obj, subject), _tail(verb)]
    return " ".join(p for p in parts if p)


def capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def drop_span(sentence: str, start: int, end: int) -> str:
    """The sentence without ``[start, end)``, with spacing and punctuation tidied."""
    text = sentence[:start] + sentence[end:]
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r"\s{2,}", " ", text).strip()
    text = re.sub(r"^[,;:\s]+|[,;:\s]+(?=[.!?]$)", "", text)
    if text and text[-1] not in ".!?":
        text += "."
    return capitalize(text)


def split_at(sentence: str, pivot_start: int, pivot_end: int) -> tuple[str, str]:
    """"Sorry for X, but Y." → ("Sorry for X.", "Y.")"""
    head = sentence[:pivot_start].rstrip(" ,;:\u2014-")
    rest = sentence[pivot_end:].lstrip(" ,;:")
    if head and head[-1] not in ".!?":
        head += "."
    if rest and rest[-1] not in ".!?":
        rest += "."
    return capitalize(head), capitalize(rest)
