"""A cheap, exact test that a regular expression cannot match a text, run before it.

Most sentences match none of a rule's patterns, and a pattern that must match a literal
("because", "due", "root") cannot match a text without that literal. ``required(pattern)``
reads the pattern's parse tree once and returns a set of lower-case ASCII strings such
that every match of the pattern contains at least one of them, or ``None`` when no such
set can be derived. ``Prefilter.rules_out(text)`` is then ``True`` only when the pattern
cannot match ``text``: it never changes what the pattern finds, only skips the search.

Why it is exact:

* The set is built bottom up, each node's set holding a string every match of that
  node contains: a run of adjacent literal characters is one string; a group, or a
  repeat of at least one, holds what its content holds; an alternation holds the union
  of its branches (no set if a branch has none); a sequence holds the set of any one of
  its elements (its match is their matches end to end); a small class of ASCII
  characters (``[sz]``, ``\\d``) holds its characters, one string each. Everything else
  (``\\w``, ``.``, negated classes, lookarounds, back-references, ``\\b``, optional parts,
  repeats of zero) gives no set. A set thus always stands for characters a match
  consumes, so a pattern that can match the empty string never gets one.
* Only ASCII literal characters are used, and only an ASCII text is ever ruled out.
  Under IGNORECASE an ASCII pattern character matches exactly the ASCII characters of
  the same lower case, but also some non-ASCII ones (U+017F long s matches "s", U+212A
  Kelvin sign "k", U+0130 and U+0131 "i"); a non-ASCII pattern character can likewise
  match an ASCII one. So a non-ASCII pattern literal gives no set, and a text with any
  non-ASCII character is always searched. For an ASCII text, the characters a literal
  run matched are the run's characters up to case, so ``text.lower()`` holds the
  lower-cased run: with IGNORECASE or without, that is a necessary condition.
* The parse is Python's own (``re._parser``, ``sre_parse`` before 3.11), with the
  pattern's flags, so inline flags and verbose mode read as ``re`` reads them; if it
  fails for any reason, the pattern gets no prefilter.

Reading a parse tree costs more at start-up than anything a first lint does but
compiling, so the sets of the built-in rules' patterns are derived when the package is
built and shipped (``tables/prefilters.tsv``, ``python -m apology_lint.tables.build``).
The table is keyed by a hash of the pattern's text and flags: an entry is only ever
found by the pattern it was derived from, and any other pattern (a user's rule) is read
here as before.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from .tables import prefilter_sets

if sys.version_info >= (3, 11):
    from re import _parser as _sre_parse
else:  # pragma: no cover - Python 3.10
    import sre_parse as _sre_parse

# More strings than this, and checking them all costs more than it saves. Measured on the
# searches of 2,795 real messages: the patterns of up to 50 strings together took 46%
# less time (a few lost up to 20 ms each); those of more gained little or lost (52 strings,
# among them "-", "h" and "in": 8% slower).
MAX_LITERALS = 50
# A class of more characters than this (``[a-z]``) is as good as any character.
MAX_CLASS = 10

Literals = frozenset[str]


def required(pattern: re.Pattern[str], source: str | None = None) -> Literals | None:
    """Lower-case ASCII strings one of which every match of ``pattern`` contains, the
    fewest and longest found; ``None`` when the pattern gives none. ``source``: another
    spelling of the pattern, whose matches are the pattern's own, read instead (a plainer
    one gives longer strings)."""
    text = source or pattern.pattern
    key = table_key(text, pattern.flags)
    if _recording is None:
        shipped = prefilter_sets()
        if key in shipped:
            return shipped[key]
    found = derive(text, pattern.flags)
    if _recording is not None:
        _recording[key] = found
    return found


def derive(text: str, flags: int) -> Literals | None:
    """``required`` of the pattern ``text`` compiled with ``flags``, read from its parse
    tree (never from the shipped table)."""
    try:
        tree = _sre_parse.parse(text, flags)
    except Exception:  # any parser failure: no prefilter, the pattern runs as it is
        return None
    return _sequence(tree)


def table_key(text: str, flags: int) -> str:
    """The key of a pattern's set in the shipped table: a hash of its flags and text."""
    data = f"{flags}\0{text}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=12).hexdigest()


# While ``recording``: every set ``required`` is asked for, derived, by key.
_recording: dict[str, Literals | None] | None = None


@contextmanager
def recording() -> Iterator[dict[str, Literals | None]]:
    """Derive every set asked for (the table unread), and collect them: how the build
    makes the table."""
    global _recording
    _recording = {}
    try:
        yield _recording
    finally:
        _recording = None


def _best(a: Literals | None, b: Literals | None) -> Literals | None:
    """The more selective of two sets: longer shortest string (up to 4 characters, past
    which strings are rare enough), then fewer strings, then longer."""
    if a is None or b is None:
        return a if b is None else b

    def key(s: Literals) -> tuple[int, int, int]:
        shortest = min(map(len, s))
        return min(shortest, 4), -len(s), shortest

    return b if key(b) > key(a) else a


def _minimal(strings: Literals) -> Literals:
    """Drop every string that holds another of the set: a text holding it holds the
    other too, so the set still says the same."""
    return frozenset(s for s in strings if not any(t != s and t in s for t in strings))


def _sequence(items: Any) -> Literals | None:
    """The set of a sequence of parse nodes: the best of its elements' sets, where a
    maximal run of adjacent ASCII literal characters is one element."""
    best: Literals | None = None
    run: list[str] = []
    for op, av in items:
        if op.name == "LITERAL" and av < 128:
            run.append(chr(av).lower())
            continue
        if run:
            best = _best(best, frozenset(["".join(run)]))
            run = []
        best = _best(best, _node(op.name, av))
    if run:
        best = _best(best, frozenset(["".join(run)]))
    return best


def _node(name: str, av: Any) -> Literals | None:
    """The set of one parse node other than an ASCII literal."""
    if name == "IN":
        return _class(av)
    if name == "SUBPATTERN":  # (group, add_flags, del_flags, content)
        return _sequence(av[-1])
    if name == "ATOMIC_GROUP":
        return _sequence(av)
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, _high, content = av
        return _sequence(content) if low >= 1 else None
    if name == "BRANCH":
        union: set[str] = set()
        for branch in av[1]:
            found = _sequence(branch)
            if found is None:
                return None
            union |= found
        return _minimal(frozenset(union))
    # A non-ASCII literal, any character, a lookaround, a back-reference, a
    # conditional group, a position (\b, ^): no string every match must hold.
    return None


def _class(items: Any) -> Literals | None:
    """The characters of a small class of ASCII characters (``[sz]``, ``\\d``), each a
    string of one: the character it matches is one of them, up to case. A negated class,
    ``\\w``, ``\\s``, or one of more than ``MAX_CLASS`` characters: none."""
    chars: set[str] = set()
    for op, av in items:
        if op.name == "LITERAL":
            codes = range(av, av + 1)
        elif op.name == "RANGE" and av[1] - av[0] < MAX_CLASS:
            codes = range(av[0], av[1] + 1)
        elif op.name == "CATEGORY" and av.name == "CATEGORY_DIGIT":
            # Also the other scripts' digits, but only in a text that is not ASCII.
            codes = range(ord("0"), ord("9") + 1)
        else:
            return None
        if codes.stop > 128:
            return None
        chars.update(chr(c).lower() for c in codes)
    return frozenset(chars) if len(chars) <= MAX_CLASS else None


class Prefilter:
    """The strings of ``required``, checked against a text."""

    __slots__ = ("literals",)

    def __init__(self, literals: Literals) -> None:
        # Shortest first: the likeliest to be found, ending the check.
        self.literals = tuple(sorted(literals, key=lambda s: (len(s), s)))

    @classmethod
    def of(cls, pattern: re.Pattern[str], source: str | None = None) -> Prefilter | None:
        """The prefilter of a compiled pattern (read from ``source``, as ``required``
        reads it); ``None`` for a pattern on another engine (a guarded user pattern),
        without a set, or with a set too big to pay."""
        if not isinstance(pattern, re.Pattern):
            return None
        found = required(pattern, source)
        # A single letter is in almost every sentence: checking for it only costs.
        if found is None or len(found) > MAX_LITERALS or any(
                len(s) == 1 and s.isalpha() for s in found):
            return None
        return cls(found)

    def absent(self, lowered: str) -> bool:
        """``lowered`` (an ASCII text, lower-cased) holds none of the strings: the
        pattern cannot match the text."""
        # map and any: the loop runs in C, and stops at the first string found.
        return not any(map(lowered.__contains__, self.literals))

    def rules_out(self, text: str) -> bool:
        """The pattern cannot match ``text`` (only ever said of an ASCII text)."""
        lowered = ascii_lower(text)
        return lowered is not None and self.absent(lowered)


def absent_from(pattern: re.Pattern[str], lowered: str | None) -> bool:
    """``pattern`` cannot match the text ``lowered`` was made from (``ascii_lower``), nor
    any slice of it: a slice of a text lacking a string lacks it too. Only a pattern with
    a prefilter (``FilteredPattern``) is ever ruled out."""
    return (lowered is not None and isinstance(pattern, FilteredPattern)
            and pattern._filter.absent(lowered))


# The last text ``ascii_lower`` read, and its answer: one sentence is searched by many
# patterns in a row. Held by reference, so an identical object is the same text; one
# tuple, replaced whole, so threads never see a text with another's answer.
_last: tuple[str, str | None] = ("", "")


def ascii_lower(text: str) -> str | None:
    """``text.lower()`` for an ASCII text; ``None`` for any other, which a prefilter
    never rules out."""
    global _last
    last = _last
    if last[0] is text:
        return last[1]
    lowered = text.lower() if text.isascii() else None
    _last = (text, lowered)
    return lowered


class FilteredPattern:
    """A compiled pattern whose searches first ask its prefilter. It has the methods and
    attributes of ``re.Pattern`` the linter reads; a search the prefilter rules out gives
    what the pattern would (no match), the rest are the pattern's own."""

    __slots__ = ("_compiled", "_filter", "flags", "groupindex", "groups", "pattern")

    def __init__(self, compiled: re.Pattern[str], prefilter: Prefilter) -> None:
        self._compiled = compiled
        self._filter = prefilter
        self.pattern = compiled.pattern
        self.flags = compiled.flags
        self.groups = compiled.groups
        self.groupindex = compiled.groupindex

    @classmethod
    def wrap(cls, compiled: re.Pattern[str], source: str | None = None) -> re.Pattern[str]:
        """``compiled`` with its prefilter (read from ``source``, as ``required`` reads
        it), or as it is when it has none. Typed as a pattern: callers use it as one."""
        prefilter = Prefilter.of(compiled, source)
        return compiled if prefilter is None else cast(re.Pattern[str], cls(compiled, prefilter))

    # ``pos`` and ``endpos`` narrow where a match may lie, so a string absent from the
    # whole text is absent from the part searched: the check reads the whole text.
    def search(self, string: str, pos: int = 0,
               endpos: int = sys.maxsize) -> re.Match[str] | None:
        if self._filter.rules_out(string):
            return None
        return self._compiled.search(string, pos, endpos)

    def match(self, string: str, pos: int = 0,
              endpos: int = sys.maxsize) -> re.Match[str] | None:
        if self._filter.rules_out(string):
            return None
        return self._compiled.match(string, pos, endpos)

    def fullmatch(self, string: str, pos: int = 0,
                  endpos: int = sys.maxsize) -> re.Match[str] | None:
        if self._filter.rules_out(string):
            return None
        return self._compiled.fullmatch(string, pos, endpos)

    def finditer(self, string: str, pos: int = 0,
                 endpos: int = sys.maxsize) -> Iterator[re.Match[str]]:
        if self._filter.rules_out(string):
            return iter(())
        return self._compiled.finditer(string, pos, endpos)

    def findall(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> list[Any]:
        if self._filter.rules_out(string):
            return []
        return self._compiled.findall(string, pos, endpos)

    def __getattr__(self, name: str) -> Any:
        # sub, split, scanner…: the pattern's own, unfiltered. (Not the private and
        # special names: an object being unpickled has no ``_compiled`` yet.)
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._compiled, name)

    def __reduce__(self) -> tuple[Any, ...]:
        return FilteredPattern, (self._compiled, self._filter)

    def __repr__(self) -> str:
        return repr(self._compiled)
