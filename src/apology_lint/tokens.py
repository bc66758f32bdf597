"""The tokens of a parsed message with given tags, words or relations, read as arrays."""

from __future__ import annotations

from bisect import bisect_left
from functools import lru_cache
from typing import Any

from spacy.strings import get_string_id


class Tokens:
    """The tokens of a document whose attribute (``TAG``, ``LOWER``, ``DEP``: a column of
    ``Doc.to_array``) is one of some strings, by index. A detector that walks every word
    for a few of them reads one array instead: a ``Token`` made for each word costs more
    than the test. spaCy stores a string as its ID, so comparing IDs compares strings."""

    def __init__(self, doc: Any, attr: int, strings: frozenset[str]) -> None:
        ids = _string_ids(strings)
        self.doc = doc
        self.found = [i for i, value in enumerate(doc.to_array(attr).tolist()) if value in ids]

    def within(self, span: Any) -> list[Any]:
        """Those tokens inside ``span`` (a sentence), in order."""
        lo = bisect_left(self.found, span.start)
        return [self.doc[i] for i in self.found[lo:bisect_left(self.found, span.end, lo)]]


@lru_cache(maxsize=64)
def _string_ids(strings: frozenset[str]) -> frozenset[int]:
    """The IDs of a set of strings (a lexicon's words), the same for every message."""
    return frozenset(map(get_string_id, strings))
